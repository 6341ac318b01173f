//! API errors: JSON `{"code": "...", "message": {"ja": "...", "en": "..."}}` with a stable
//! code. Messages name fields and ids, never a personal value.

use crate::store::StoreError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A message in Japanese and English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Message {
    pub ja: String,
    pub en: String,
}

/// The body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code (`unauthorized`, `forbidden`, `not_found`, `no_plan`, `bad_request`,
    /// `unknown_status`, `bad_transition`, `unknown_helper`, `unknown_destination`,
    /// `unknown_district`, `unknown_volunteer`, `internal`).
    pub code: String,
    pub message: Message,
}

/// An error answered to the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &str,
        ja: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                code: code.into(),
                message: Message {
                    ja: ja.into(),
                    en: en.into(),
                },
            },
        }
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "有効なトークン（Authorization: Bearer）が必要です。",
            "A valid token is required (Authorization: Bearer).",
        )
    }
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "この操作を行う権限がありません。",
            "Your role may not do this.",
        )
    }
    /// The same answer for a missing id and for a person outside one's scope.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "見つかりません。",
            "Not found.",
        )
    }
    /// Sheets, maps and drills need the map held in memory; this service has none.
    pub fn no_engine() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_engine",
            "この構成では使えません（地図が読み込まれていません）。",
            "Not available here (no map is loaded).",
        )
    }
    pub fn bad_request(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", ja, en)
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "サーバー内部のエラーです。",
            "Internal server error.",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        match e {
            StoreError::UnknownPerson { .. } => ApiError::not_found(),
            StoreError::UnknownVolunteer { id } => ApiError::new(
                unprocessable,
                "unknown_helper",
                format!("支援者 {id} は登録されていません。"),
                format!("No volunteer with id {id}."),
            ),
            StoreError::UnknownShelter { id } => ApiError::new(
                unprocessable,
                "unknown_destination",
                format!("避難先 {id} は登録されていません。"),
                format!("No shelter with id {id}."),
            ),
            StoreError::UnknownDistrict { code } => ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_district",
                format!("地区 {code} は登録されていません。"),
                format!("No district with code {code}."),
            ),
            StoreError::UnknownStatus { .. } => ApiError::new(
                StatusCode::BAD_REQUEST,
                "unknown_status",
                format!(
                    "status が不正です。次のいずれかを指定してください: {}",
                    crate::store::PlanStatus::expected()
                ),
                format!(
                    "Unknown status: expected one of {}",
                    crate::store::PlanStatus::expected()
                ),
            ),
            StoreError::StatusTransition { from, to } => ApiError::new(
                StatusCode::CONFLICT,
                "bad_transition",
                format!(
                    "{}から{}へは変更できません（次の段階か、作成中に戻すことができます）。",
                    from.label_ja(),
                    to.label_ja()
                ),
                format!(
                    "The status cannot go from {} to {} (only to the next step, or back to \
                     drafting).",
                    from.code(),
                    to.code()
                ),
            ),
            e => {
                // Store errors name fields and ids, never personal values.
                tracing::error!(error = %e, "store error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
