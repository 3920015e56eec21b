//! B2B meeting scheduler (work in progress).
