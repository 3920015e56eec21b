//! Typed identifiers, so that an organisation id can never be passed where a cluster id is
//! expected. The numbers are assigned by the store.

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )+};
}

id_type!(
    /// A cluster organisation: the tenant.
    ClusterId,
    OrganisationId,
    PersonId,
    MembershipId,
    ActivityId,
    ParticipationId,
    InteractionId,
    ReferralId,
    OfficeId,
    AgreementId,
    /// A marketplace offer or need.
    PostId,
    /// A matchmaking event (issue 6).
    EventId,
    /// A person registered for an event.
    EventParticipantId,
    /// A meeting request between two participants of an event.
    MeetingRequestId,
);
