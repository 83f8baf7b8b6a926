//! Administration (R43): the organisation's configuration, edited live.

use crate::app::AppState;
use utoipa_axum::router::OpenApiRouter;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
