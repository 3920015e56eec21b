//! Klynge's domain: the types and pure rules of the cluster ecosystem.
//!
//! Architecture invariant: this crate does no I/O. It knows nothing of databases, HTTP or
//! files; its reference data is compiled in. Every type with a rule has a parsing constructor,
//! so a value that exists is valid.

pub mod activity;
pub mod cluster;
mod code_enum;
pub mod crm;
pub mod cvr;
mod error;
pub mod event;
pub mod geography;
pub mod ids;
pub mod industry;
pub mod market;
pub mod organisation;
pub mod period;
pub mod presence;
pub mod size;
pub mod text;

pub use activity::{
    Activity, ActivityFormat, ActivityType, DedicationBasis, FundingStream, Outcomes,
    ParticipantRole, Participation, Theme, ToolboxCategory,
};
pub use cluster::{Cluster, Slug};
pub use code_enum::Taxonomy;
pub use crm::{FeeTier, Interaction, InteractionKind, Membership, Referral, ReferralTarget};
pub use cvr::Cvr;
pub use error::DomainError;
pub use event::{
    Attendance, Event, EventParticipant, EventStatus, Gap, Load, MeetingRequest, MoveConflict,
    Placement, RequestStatus, Slot, SlotError, check_move, copenhagen_to_utc,
};
pub use geography::{Municipality, MunicipalityCode, Region};
pub use ids::*;
pub use industry::{IndustryClassification, IndustryCode};
pub use market::{
    Audience, CheckedText, Post, PostDirection, PostKind, PostStatus, PostText, Visibility,
};
pub use organisation::{
    Organisation, OrganisationKind, OrganisationRecord, Person, Registration, VatNumber,
};
pub use period::{Period, parse_date};
pub use presence::{Agreement, AgreementPartnerKind, Office, OfficeKind};
pub use size::{Employment, SizeClass};
pub use text::{CountryCode, Email, Name};
