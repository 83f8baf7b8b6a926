//! The tokio RTP driver (being written).
