//! FAILURE metadata in the shape of the negotiated version: `{code, message}` up to 5.6,
//! and from 5.7 the GQL shape Neo4j 5.26 sends, `{neo4j_code, message, gql_status,
//! description, diagnostic_record}` with the record's defaults (OPERATION "",
//! OPERATION_CODE "0", CURRENT_SCHEMA "/") and `_classification` from the code's class.
//! Every engine error goes through [`Failure::from_cypher`]; the listener's own errors
//! (a protocol violation, a bad message, a failed login) have constructors here.

use orbit_cypher::CypherError;

use crate::handshake::Version;
use crate::packstream::{Dictionary, PackValue};

/// One error as the listener reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: String,
    pub message: String,
    pub gql_status: &'static str,
}

pub const UNAUTHORIZED: &str = "Neo.ClientError.Security.Unauthorized";
pub const REQUEST_INVALID: &str = "Neo.ClientError.Request.Invalid";
pub const UNKNOWN_ERROR: &str = "Neo.DatabaseError.General.UnknownError";
pub const DATABASE_NOT_FOUND: &str = "Neo.ClientError.Database.DatabaseNotFound";

impl Failure {
    pub fn new(code: impl Into<String>, message: impl Into<String>, gql_status: &'static str) -> Failure {
        Failure { code: code.into(), message: message.into(), gql_status }
    }

    pub fn from_cypher(error: &CypherError) -> Failure {
        Failure::new(error.neo4j_code(), error.message.clone(), error.gql_status())
    }

    /// Wrong credentials or an unsupported scheme: Neo4j's words.
    pub fn unauthorized() -> Failure {
        Failure::new(UNAUTHORIZED, "The client is unauthorized due to authentication failure.", "42NFF")
    }

    /// A message the protocol does not allow, or one we cannot read.
    pub fn request_invalid(message: impl Into<String>) -> Failure {
        Failure::new(REQUEST_INVALID, message, "08N06")
    }

    pub fn database_error(message: impl Into<String>) -> Failure {
        Failure::new(UNKNOWN_ERROR, message, "50N42")
    }

    /// The code's class as GQL's `_classification` names it.
    pub fn classification(&self) -> &'static str {
        if self.code.starts_with("Neo.TransientError.") {
            "TRANSIENT_ERROR"
        } else if self.code.starts_with("Neo.DatabaseError.") {
            "DATABASE_ERROR"
        } else {
            "CLIENT_ERROR"
        }
    }

    /// The metadata of the FAILURE message for a connection on `version`.
    pub fn metadata(&self, version: Version) -> Dictionary {
        let s = |v: &str| PackValue::String(v.to_string());
        if !version.at_least(5, 7) {
            return vec![("code".into(), s(&self.code)), ("message".into(), s(&self.message))];
        }
        let diagnostic_record = vec![
            ("OPERATION".to_string(), s("")),
            ("OPERATION_CODE".to_string(), s("0")),
            ("CURRENT_SCHEMA".to_string(), s("/")),
            ("_classification".to_string(), s(self.classification())),
        ];
        vec![
            ("neo4j_code".into(), s(&self.code)),
            ("message".into(), s(&self.message)),
            ("gql_status".into(), s(self.gql_status)),
            ("description".into(), s(&description(self.gql_status, &self.message))),
            ("diagnostic_record".into(), PackValue::Dictionary(diagnostic_record)),
        ]
    }
}

/// The status description of a GQLSTATUS as Neo4j words it ("error: <class> - <subclass>").
fn description(gql_status: &str, message: &str) -> String {
    let condition = match gql_status {
        "42001" => "syntax error or access rule violation - invalid syntax",
        "42NFF" => "syntax error or access rule violation - permission/access denied",
        "42N51" => "syntax error or access rule violation - invalid parameter",
        "42N08" => "syntax error or access rule violation - procedure not found",
        "42N00" => "syntax error or access rule violation - graph reference not found",
        "22G03" => "data exception - invalid value type",
        "22N00" => "data exception - unsupported value",
        "22003" => "data exception - numeric value out of range",
        "22N41" => "data exception - constraint validation failed",
        "22N66" => "data exception - constraint creation failed",
        "22N71" => "data exception - equivalent schema rule already exists",
        "22000" => "data exception",
        "25N05" => "invalid transaction state - transaction terminated or closed",
        "08N06" => "connection exception - protocol error",
        "50N00" => "general processing exception - internal error",
        "50N11" => "general processing exception - schema rule not found",
        "50N42" => "general processing exception - unexpected error",
        _ => return format!("error: {message}"),
    };
    format!("error: {condition}. {message}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packstream::dict_get;
    use orbit_cypher::ErrorKind;

    fn text<'a>(d: &'a Dictionary, key: &str) -> Option<&'a str> {
        dict_get(d, key).and_then(PackValue::as_str)
    }

    #[test]
    fn up_to_5_6_code_and_message_only() {
        let f = Failure::from_cypher(&CypherError::syntax("Invalid input 'RETRN'"));
        for v in [Version::new(4, 4), Version::new(5, 0), Version::new(5, 6)] {
            let m = f.metadata(v);
            assert_eq!(m.len(), 2);
            assert_eq!(text(&m, "code"), Some("Neo.ClientError.Statement.SyntaxError"));
            assert_eq!(text(&m, "message"), Some("Invalid input 'RETRN'"));
        }
    }

    #[test]
    fn from_5_7_the_gql_shape() {
        let f = Failure::from_cypher(&CypherError::syntax("Invalid input 'RETRN'"));
        let m = f.metadata(Version::new(5, 7));
        assert_eq!(dict_get(&m, "code"), None);
        assert_eq!(text(&m, "neo4j_code"), Some("Neo.ClientError.Statement.SyntaxError"));
        assert_eq!(text(&m, "gql_status"), Some("42001"));
        assert_eq!(text(&m, "message"), Some("Invalid input 'RETRN'"));
        assert!(text(&m, "description").is_some_and(|d| d.starts_with("error: syntax error")));
        let record = dict_get(&m, "diagnostic_record").and_then(PackValue::as_dict).expect("a record");
        assert_eq!(text(record, "OPERATION"), Some(""));
        assert_eq!(text(record, "OPERATION_CODE"), Some("0"));
        assert_eq!(text(record, "CURRENT_SCHEMA"), Some("/"));
        assert_eq!(text(record, "_classification"), Some("CLIENT_ERROR"));
    }

    #[test]
    fn classification_follows_the_code_class() {
        let conflict = Failure::from_cypher(&CypherError::new(ErrorKind::Conflict, "write conflict"));
        assert_eq!(conflict.code, "Neo.TransientError.Transaction.DeadlockDetected");
        assert_eq!(conflict.classification(), "TRANSIENT_ERROR");
        assert_eq!(Failure::database_error("disk").classification(), "DATABASE_ERROR");
        assert_eq!(Failure::unauthorized().classification(), "CLIENT_ERROR");
        assert_eq!(Failure::unauthorized().message, "The client is unauthorized due to authentication failure.");
    }
}
