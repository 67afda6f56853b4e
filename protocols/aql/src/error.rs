//! The crate's one error type: an ArangoDB errorNum, the HTTP status it answers with and
//! a message. The HTTP layer turns it into the envelope
//! `{"code": status, "error": true, "errorMessage": message, "errorNum": num}` in one
//! place; everything below only picks the number. Numbers and texts are ArangoDB's
//! (../shared/arangodb-examples/errors.yaml).

use std::fmt;

/// ArangoDB error numbers this crate answers with.
pub mod num {
    pub const NO_ERROR: u32 = 0;
    pub const FAILED: u32 = 1;
    pub const INTERNAL: u32 = 4;
    pub const ILLEGAL_NUMBER: u32 = 8;
    pub const NOT_IMPLEMENTED: u32 = 9;
    pub const BAD_PARAMETER: u32 = 10;
    pub const FORBIDDEN: u32 = 11;
    pub const TYPE_ERROR: u32 = 17;
    pub const RESOURCE_LIMIT: u32 = 32;
    pub const CORRUPTED_JSON: u32 = 600;
    pub const HTTP_BAD_PARAMETER: u32 = 400;
    pub const HTTP_UNAUTHORIZED: u32 = 401;
    pub const HTTP_FORBIDDEN: u32 = 403;
    pub const HTTP_NOT_FOUND: u32 = 404;
    pub const HTTP_METHOD_NOT_ALLOWED: u32 = 405;
    pub const HTTP_PRECONDITION_FAILED: u32 = 412;
    pub const HTTP_REQUEST_TOO_LARGE: u32 = 413;
    pub const HTTP_SERVER_ERROR: u32 = 500;
    pub const HTTP_NOT_IMPLEMENTED: u32 = 501;
    pub const CONFLICT: u32 = 1200;
    pub const DATADIR_INVALID: u32 = 1201;
    pub const DOCUMENT_NOT_FOUND: u32 = 1202;
    pub const DATA_SOURCE_NOT_FOUND: u32 = 1203;
    pub const COLLECTION_PARAMETER_MISSING: u32 = 1204;
    pub const DOCUMENT_HANDLE_BAD: u32 = 1205;
    pub const DUPLICATE_NAME: u32 = 1207;
    pub const ILLEGAL_NAME: u32 = 1208;
    pub const NO_INDEX: u32 = 1209;
    pub const UNIQUE_CONSTRAINT_VIOLATED: u32 = 1210;
    pub const INDEX_NOT_FOUND: u32 = 1212;
    pub const CROSS_COLLECTION_REQUEST: u32 = 1213;
    pub const INDEX_HANDLE_BAD: u32 = 1214;
    pub const DOCUMENT_TOO_LARGE: u32 = 1216;
    pub const COLLECTION_TYPE_INVALID: u32 = 1218;
    pub const ATTRIBUTE_PARSER_FAILED: u32 = 1220;
    pub const DOCUMENT_KEY_BAD: u32 = 1221;
    pub const DOCUMENT_KEY_UNEXPECTED: u32 = 1222;
    pub const DOCUMENT_TYPE_INVALID: u32 = 1227;
    pub const DATABASE_NOT_FOUND: u32 = 1228;
    pub const DATABASE_NAME_INVALID: u32 = 1229;
    pub const USE_SYSTEM_DATABASE: u32 = 1230;
    pub const INVALID_KEY_GENERATOR: u32 = 1232;
    pub const INVALID_EDGE_ATTRIBUTE: u32 = 1233;
    pub const INDEX_CREATION_FAILED: u32 = 1235;
    pub const CANNOT_DROP_SYSTEM_COLLECTION: u32 = 1217;
    pub const DOCUMENT_REV_BAD: u32 = 1239;
    pub const INCOMPATIBLE_VERSION: u32 = 1206;
    pub const TRANSACTION_INTERNAL: u32 = 1650;
    pub const TRANSACTION_NESTED: u32 = 1651;
    pub const TRANSACTION_UNREGISTERED_COLLECTION: u32 = 1652;
    pub const TRANSACTION_DISALLOWED_OPERATION: u32 = 1653;
    pub const TRANSACTION_ABORTED: u32 = 1654;
    pub const TRANSACTION_NOT_FOUND: u32 = 1655;
    pub const QUERY_KILLED: u32 = 1500;
    pub const QUERY_PARSE: u32 = 1501;
    pub const QUERY_EMPTY: u32 = 1502;
    pub const QUERY_SCRIPT: u32 = 1503;
    pub const QUERY_NUMBER_OUT_OF_RANGE: u32 = 1504;
    pub const QUERY_INVALID_GEO_VALUE: u32 = 1505;
    pub const QUERY_VARIABLE_NAME_INVALID: u32 = 1510;
    pub const QUERY_VARIABLE_REDECLARED: u32 = 1511;
    pub const QUERY_VARIABLE_NAME_UNKNOWN: u32 = 1512;
    pub const QUERY_COLLECTION_LOCK_FAILED: u32 = 1521;
    pub const QUERY_TOO_MANY_COLLECTIONS: u32 = 1522;
    pub const QUERY_FUNCTION_NAME_UNKNOWN: u32 = 1540;
    pub const QUERY_FUNCTION_ARGUMENT_NUMBER_MISMATCH: u32 = 1541;
    pub const QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH: u32 = 1542;
    pub const QUERY_INVALID_REGEX: u32 = 1543;
    pub const QUERY_BIND_PARAMETERS_INVALID: u32 = 1550;
    pub const QUERY_BIND_PARAMETER_MISSING: u32 = 1551;
    pub const QUERY_BIND_PARAMETER_UNDECLARED: u32 = 1552;
    pub const QUERY_BIND_PARAMETER_TYPE: u32 = 1553;
    pub const QUERY_VECTOR_SEARCH_NOT_APPLIED: u32 = 1554;
    pub const QUERY_INVALID_ARITHMETIC_VALUE: u32 = 1561;
    pub const QUERY_DIVISION_BY_ZERO: u32 = 1562;
    pub const QUERY_ARRAY_EXPECTED: u32 = 1563;
    pub const QUERY_COLLECTION_USED_IN_EXPRESSION: u32 = 1568;
    pub const QUERY_FAIL_CALLED: u32 = 1569;
    pub const QUERY_GEO_INDEX_MISSING: u32 = 1570;
    pub const QUERY_INVALID_DATE_VALUE: u32 = 1572;
    pub const QUERY_USER_ASSERT: u32 = 1593;
    pub const QUERY_USER_WARN: u32 = 1594;
    pub const QUERY_ACCESS_AFTER_MODIFICATION: u32 = 1579;
    pub const QUERY_PARALLEL_MODIFICATION: u32 = 1578;
    pub const QUERY_NOT_FOUND: u32 = 1591;
    pub const CURSOR_NOT_FOUND: u32 = 1600;
    pub const CURSOR_BUSY: u32 = 1601;
    pub const USER_INVALID_NAME: u32 = 1700;
    pub const USER_INVALID_PASSWORD: u32 = 1701;
    pub const USER_DUPLICATE: u32 = 1702;
    pub const USER_NOT_FOUND: u32 = 1703;
    pub const GRAPH_INVALID_GRAPH: u32 = 1901;
    pub const GRAPH_INVALID_EDGE: u32 = 1906;
    pub const GRAPH_DUPLICATE: u32 = 1921;
    pub const GRAPH_NOT_FOUND: u32 = 1924;
    pub const GRAPH_VERTEX_COL_DOES_NOT_EXIST: u32 = 1926;
    pub const GRAPH_WRONG_COLLECTION_TYPE_VERTEX: u32 = 1927;
    pub const GRAPH_NOT_IN_ORPHAN_COLLECTION: u32 = 1928;
    pub const GRAPH_COLLECTION_USED_IN_EDGE_DEF: u32 = 1929;
    pub const GRAPH_EDGE_COL_DOES_NOT_EXIST: u32 = 1930;
    pub const GRAPH_COLLECTION_MULTI_USE: u32 = 1920;
    pub const GRAPH_EDGE_COLLECTION_NOT_USED: u32 = 1925;
    pub const GRAPH_NO_GRAPH_COLLECTION: u32 = 1932;
    pub const GRAPH_INVALID_NUMBER_OF_ARGUMENTS: u32 = 1935;
    pub const GRAPH_INVALID_PARAMETER: u32 = 1936;
    pub const GRAPH_COLLECTION_USED_IN_ORPHANS: u32 = 1938;
    pub const GRAPH_EDGE_DEFINITION_IS_DOCUMENT: u32 = 1944;
    pub const GRAPH_REFERENCED_VERTEX_COLLECTION_NOT_USED: u32 = 1947;
}

/// One error: the errorNum, the HTTP status and the message ArangoDB would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AqlError {
    pub num: u32,
    pub status: u16,
    pub message: String,
}

pub type AqlResult<T> = Result<T, AqlError>;

impl AqlError {
    /// An error with the HTTP status ArangoDB uses for `num`.
    pub fn new(num: u32, message: impl Into<String>) -> AqlError {
        AqlError { num, status: default_status(num), message: message.into() }
    }

    pub fn with_status(num: u32, status: u16, message: impl Into<String>) -> AqlError {
        AqlError { num, status, message: message.into() }
    }

    /// 501 with errorNum 9 naming what Orbit does not do.
    pub fn not_supported(what: impl fmt::Display) -> AqlError {
        AqlError::with_status(num::NOT_IMPLEMENTED, 501, format!("not supported by Orbit: {what}"))
    }

    pub fn internal(message: impl Into<String>) -> AqlError {
        AqlError::with_status(num::INTERNAL, 500, message)
    }

    pub fn bad_parameter(message: impl Into<String>) -> AqlError {
        AqlError::with_status(num::BAD_PARAMETER, 400, message)
    }

    /// A query parse error (400/1501); `message` already carries ArangoDB's
    /// "... at position L:C" form.
    pub fn parse(message: impl Into<String>) -> AqlError {
        AqlError::new(num::QUERY_PARSE, message)
    }
}

impl fmt::Display for AqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.num)
    }
}

impl std::error::Error for AqlError {}

/// The status ArangoDB answers an error number with.
pub fn default_status(n: u32) -> u16 {
    use num::*;
    match n {
        400..=599 => n as u16,
        CONFLICT | UNIQUE_CONSTRAINT_VIOLATED | DUPLICATE_NAME | USER_DUPLICATE | GRAPH_DUPLICATE => 409,
        DOCUMENT_NOT_FOUND
        | DATA_SOURCE_NOT_FOUND
        | DATABASE_NOT_FOUND
        | INDEX_NOT_FOUND
        | CURSOR_NOT_FOUND
        | USER_NOT_FOUND
        | GRAPH_NOT_FOUND
        | TRANSACTION_NOT_FOUND
        | QUERY_NOT_FOUND
        | GRAPH_VERTEX_COL_DOES_NOT_EXIST
        | GRAPH_EDGE_COL_DOES_NOT_EXIST => 404,
        FORBIDDEN | USE_SYSTEM_DATABASE | CANNOT_DROP_SYSTEM_COLLECTION => 403,
        NOT_IMPLEMENTED => 501,
        INTERNAL | FAILED | TRANSACTION_INTERNAL => 500,
        QUERY_KILLED => 410,
        TRANSACTION_ABORTED => 410,
        _ => 400,
    }
}

impl From<orbit_storage::StorageError> for AqlError {
    fn from(e: orbit_storage::StorageError) -> AqlError {
        match e {
            orbit_storage::StorageError::Conflict => AqlError::new(num::CONFLICT, "write-write conflict"),
            other => AqlError::internal(other.to_string()),
        }
    }
}

impl From<orbit_graph::GraphError> for AqlError {
    fn from(e: orbit_graph::GraphError) -> AqlError {
        match e {
            orbit_graph::GraphError::Storage(s) => s.into(),
            other => AqlError::internal(other.to_string()),
        }
    }
}

/// A query warning: reported in `extra.warnings`, the query goes on (unless
/// failOnWarning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: u32,
    pub message: String,
}
