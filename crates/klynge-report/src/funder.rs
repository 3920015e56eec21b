//! The funder report: one cluster's figures for one year per funding stream (UFM
//! knowledge-based, DEB business-oriented, own, EU, other) and in total.

use klynge_domain::{ClusterId, FundingStream};
use serde::Serialize;

use crate::engine::{KpiQuery, Kpis, ReportPeriod, Scope, Snapshot, kpis};
use crate::error::ReportError;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamFigures {
    /// `None` for the total over all streams.
    pub funding_stream: Option<FundingStream>,
    pub kpis: Kpis,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunderReport {
    pub cluster_slug: String,
    pub cluster_name: String,
    pub year: i32,
    pub streams: Vec<StreamFigures>,
    pub total: Kpis,
}

pub fn funder_report(
    snapshot: &Snapshot,
    cluster_slug: &str,
    year: i32,
) -> Result<FunderReport, ReportError> {
    let cluster = snapshot.cluster_by_slug(cluster_slug)?;
    let (id, name) = (cluster.id, cluster.name.clone());
    let period = ReportPeriod::year(year)?;
    let query = |funding_stream| KpiQuery {
        scope: Scope::Cluster(ClusterId(id.0)),
        period,
        funding_stream,
    };
    let streams = FundingStream::ALL
        .iter()
        .map(|s| StreamFigures {
            funding_stream: Some(*s),
            kpis: kpis(snapshot, query(Some(*s)), period.to),
        })
        .collect();
    Ok(FunderReport {
        cluster_slug: cluster_slug.to_string(),
        cluster_name: name,
        year,
        streams,
        total: kpis(snapshot, query(None), period.to),
    })
}
