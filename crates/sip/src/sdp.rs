//! SDP offers and answers for audio calls (being written).
