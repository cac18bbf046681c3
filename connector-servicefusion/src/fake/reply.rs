//! What the fake answers, in one place: a successful [`Reply`], every `/v1` error in the
//! API's `{code,name,message}` shape (validation errors as a `[{field,message}]` array),
//! and the token endpoint's `{error,error_description}`. Bodies are always JSON.

use axum::{
    http::{HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

/// A JSON response with the content type the API sends (Yii2's, with the charset).
pub fn json(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    r
}

/// A successful answer: status, body and extra headers (pagination, `Location`).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: Vec<(HeaderName, String)>,
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body,
            headers: Vec::new(),
        }
    }

    pub fn into_response(self) -> Response {
        let mut r = json(self.status, &self.body);
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                r.headers_mut().insert(name, v);
            }
        }
        r
    }
}

/// One validation failure, as the 422 array lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// `Ok` when nothing failed, else the 422 that lists every failure.
pub fn valid(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// An error of the `/v1` API.
#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized,
    Forbidden,
    PageNotFound,
    ItemNotFound,
    /// With the methods the path does accept (they go to `Allow` and the message).
    MethodNotAllowed(&'static [&'static str]),
    UnsupportedMediaType,
    TooManyRequests,
    Validation(Vec<FieldError>),
    Internal(&'static str),
}

pub const INVALID_REQUEST: &str = "Your request is invalid.";

impl ApiError {
    pub fn invalid_request() -> Self {
        Self::BadRequest(INVALID_REQUEST.to_owned())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::PageNotFound | Self::ItemNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> Value {
        let (name, message): (&str, String) = match self {
            Self::BadRequest(m) => ("Bad Request.", m.clone()),
            Self::Unauthorized => (
                "Unauthorized.",
                "Your request was made with invalid credentials.".to_owned(),
            ),
            Self::Forbidden => ("Forbidden.", "Login Required.".to_owned()),
            Self::PageNotFound => ("Not Found.", "Page not found.".to_owned()),
            Self::ItemNotFound => ("Not Found.", "Item not found.".to_owned()),
            Self::MethodNotAllowed(allowed) => (
                "Method not allowed.",
                format!(
                    "Method Not Allowed. This url can only handle the following request methods: {}.\n",
                    allowed.join(", ")
                ),
            ),
            Self::UnsupportedMediaType => (
                "Unsupported Media Type.",
                "None of your requested content types is supported.".to_owned(),
            ),
            Self::TooManyRequests => ("Too Many Requests.", "Rate limit exceeded.".to_owned()),
            Self::Validation(errors) => {
                return errors
                    .iter()
                    .map(|e| json!({"field": e.field, "message": e.message}))
                    .collect();
            }
            Self::Internal(m) => ("Internal server error.", (*m).to_owned()),
        };
        json!({"code": self.status().as_u16(), "name": name, "message": message})
    }

    pub fn into_response(self) -> Response {
        let mut r = json(self.status(), &self.body());
        if let Self::MethodNotAllowed(allowed) = self
            && let Ok(v) = HeaderValue::from_str(&allowed.join(", "))
        {
            r.headers_mut().insert(header::ALLOW, v);
        }
        r
    }
}

/// A token or authorize endpoint error (`OAuthTokenError`).
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }

    pub fn missing(param: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("The request is missing the required parameter \"{param}\"."),
        )
    }

    pub fn malformed(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    pub fn invalid_client() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client's id or secret.",
        )
    }

    /// An unknown `client_id` at the authorize endpoint: a 400, as nobody authenticated.
    pub fn unknown_client() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "The client_id is not registered.",
        )
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    pub fn unsupported_grant_type() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        )
    }

    pub fn unsupported_response_type() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            "The authorization server does not support obtaining an authorization code using this method.",
        )
    }

    #[cfg(test)]
    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn into_response(self) -> Response {
        json(
            self.status,
            &json!({"error": self.error, "error_description": self.description}),
        )
    }
}
