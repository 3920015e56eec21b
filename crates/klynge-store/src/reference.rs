//! Writes the compiled-in reference geography (regions, municipalities and which region each
//! municipality belongs to when) into the database, so that SQL reports can join on it. The
//! domain crate stays the one source; this runs at every start and is idempotent.

use klynge_domain::Region;
use klynge_domain::geography::{merger_date, municipalities};

use crate::Store;
use crate::error::Result;
use crate::params;

impl Store {
    pub(crate) async fn sync_reference_data(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        for region in Region::ALL {
            conn.execute(
                "INSERT INTO regions (code, official_code, name_da, name_en, valid_from, valid_to) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (code) DO UPDATE SET official_code = excluded.official_code, \
                 name_da = excluded.name_da, name_en = excluded.name_en, \
                 valid_from = excluded.valid_from, valid_to = excluded.valid_to",
                params![
                    region.code(),
                    region.official_code().map(i64::from),
                    region.name_da(),
                    region.name_en(),
                    region.valid_from(),
                    region.valid_to()
                ],
            )
            .await?;
        }
        let last_day_before = merger_date().pred_opt();
        for m in municipalities() {
            conn.execute(
                "INSERT INTO municipalities (code, name) VALUES ($1, $2) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                params![i64::from(m.code.value()), m.name.as_str()],
            )
            .await?;
            let spans = if m.region_until_2026 == m.region_from_2027 {
                vec![(m.region_until_2026, None, None)]
            } else {
                vec![
                    (m.region_until_2026, None, last_day_before),
                    (m.region_from_2027, Some(merger_date()), None),
                ]
            };
            for (region, from, to) in spans {
                conn.execute(
                    "INSERT INTO municipality_regions (municipality_code, region_code, valid_from, valid_to) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (municipality_code, region_code) \
                     DO UPDATE SET valid_from = excluded.valid_from, valid_to = excluded.valid_to",
                    params![i64::from(m.code.value()), region.code(), from, to],
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
