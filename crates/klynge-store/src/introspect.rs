//! Questions about the database itself: its schema, and the geography written into it.

use chrono::NaiveDate;

use crate::error::Result;
use crate::{Store, params};

impl Store {
    /// Every (table, column) of Klynge's schema, sorted; used to check that both dialects'
    /// migrations build the same shape.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        let mut pooled = self.acquire().await?;
        let mut conn = pooled.conn();
        let sql = if conn.is_sqlite() {
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'"
        } else {
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'"
        };
        let mut columns = conn
            .fetch_all(sql, vec![])
            .await?
            .iter()
            .map(|r| Ok((r.get("table_name")?, r.get("column_name")?)))
            .collect::<Result<Vec<(String, String)>>>()?;
        columns.sort();
        Ok(columns)
    }

    /// The region code(s) a municipality belongs to on a day, as the database records it.
    pub async fn region_of_municipality_on(
        &self,
        municipality: u16,
        on: NaiveDate,
    ) -> Result<Vec<String>> {
        let mut pooled = self.acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                "SELECT region_code FROM municipality_regions WHERE municipality_code = $1 \
                 AND (valid_from IS NULL OR valid_from <= $2) AND (valid_to IS NULL OR valid_to >= $2) \
                 ORDER BY region_code",
                params![i64::from(municipality), on],
            )
            .await?;
        rows.iter().map(|r| Ok(r.get("region_code")?)).collect()
    }
}
