//! The Cypher engine's one error type. Each error has a [`ErrorKind`], which decides the
//! Neo4j status code (and, from Bolt 5.7, the GQL status) the listener sends, and whether
//! it is a compile-time error (answered on RUN) or a runtime one (answered on PULL).

use orbit_graph::GraphError;
use orbit_storage::StorageError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Neo.ClientError.Statement.SyntaxError
    Syntax,
    /// Semantic errors (undefined or rebound variables, misplaced aggregation, ...); Neo4j
    /// reports these as Neo.ClientError.Statement.SyntaxError too, the TCK calls them
    /// SyntaxError at compile time.
    Semantic,
    /// Neo.ClientError.Statement.SemanticError: a runtime semantic failure (MERGE with a
    /// null property value, the TCK's MergeReadOwnWrites).
    SemanticRuntime,
    /// Neo.ClientError.Statement.TypeError
    Type,
    /// Neo.ClientError.Statement.ArgumentError
    Argument,
    /// Neo.ClientError.Statement.EntityNotFound
    EntityNotFound,
    /// Neo.ClientError.Statement.ParameterMissing
    ParameterMissing,
    /// Neo.ClientError.Schema.ConstraintValidationFailed
    ConstraintValidation,
    /// Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists and friends
    SchemaRuleExists,
    SchemaRuleNotFound,
    /// Neo.ClientError.Schema.ConstraintCreationFailed (existing data violates it)
    ConstraintCreation,
    /// Neo.ClientError.Procedure.ProcedureNotFound
    ProcedureNotFound,
    /// Neo.ClientError.Procedure.ProcedureCallFailed: a procedure that ran and failed
    /// (a missing knowledge graph or vector index, an upstream endpoint's failure).
    ProcedureCallFailed,
    /// Neo.ClientError.General.ForbiddenOnReadOnlyDatabase: a write to a read-only database.
    ReadOnlyDatabase,
    /// Neo.ClientError.Statement.ArithmeticError (division by zero, overflow)
    Arithmetic,
    /// Neo.ClientError.Security.Unauthorized
    Unauthorized,
    /// Neo.ClientError.Security.Forbidden
    Forbidden,
    /// Neo.ClientError.Database.DatabaseNotFound
    DatabaseNotFound,
    /// Neo.ClientError.Statement.FeatureNotSupported... Neo4j's code for what it does not
    /// do: Neo.ClientError.Statement.NotSystemDatabaseError / UnsupportedOperationError.
    NotSupported,
    /// Neo.ClientError.Transaction.* (e.g. a query in a closed transaction)
    Transaction,
    /// Neo.TransientError.Transaction.DeadlockDetected (a write conflict; retry)
    Conflict,
    /// Neo.DatabaseError.General.UnknownError: storage failures, corrupt entries.
    Database,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct CypherError {
    pub kind: ErrorKind,
    pub message: String,
    /// True for errors found before the query runs (parse, semantic analysis, planning).
    pub compile_time: bool,
}

pub type CypherResult<T> = Result<T, CypherError>;

impl CypherError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> CypherError {
        CypherError {
            kind,
            message: message.into(),
            compile_time: matches!(kind, ErrorKind::Syntax | ErrorKind::Semantic),
        }
    }

    pub fn syntax(message: impl Into<String>) -> CypherError {
        CypherError::new(ErrorKind::Syntax, message)
    }

    pub fn semantic(message: impl Into<String>) -> CypherError {
        CypherError::new(ErrorKind::Semantic, message)
    }

    pub fn type_error(message: impl Into<String>) -> CypherError {
        CypherError::new(ErrorKind::Type, message)
    }

    pub fn argument(message: impl Into<String>) -> CypherError {
        CypherError::new(ErrorKind::Argument, message)
    }

    pub fn not_supported(message: impl Into<String>) -> CypherError {
        CypherError::new(ErrorKind::NotSupported, message)
    }

    /// The same error, marked as found at compile time (or not).
    pub fn at_compile_time(mut self, compile_time: bool) -> CypherError {
        self.compile_time = compile_time;
        self
    }

    /// The Neo4j status code for this error.
    pub fn neo4j_code(&self) -> &'static str {
        match self.kind {
            ErrorKind::Syntax | ErrorKind::Semantic => "Neo.ClientError.Statement.SyntaxError",
            ErrorKind::SemanticRuntime => "Neo.ClientError.Statement.SemanticError",
            ErrorKind::Type => "Neo.ClientError.Statement.TypeError",
            ErrorKind::Argument => "Neo.ClientError.Statement.ArgumentError",
            ErrorKind::EntityNotFound => "Neo.ClientError.Statement.EntityNotFound",
            ErrorKind::ParameterMissing => "Neo.ClientError.Statement.ParameterMissing",
            ErrorKind::ConstraintValidation => "Neo.ClientError.Schema.ConstraintValidationFailed",
            ErrorKind::SchemaRuleExists => "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
            ErrorKind::SchemaRuleNotFound => "Neo.ClientError.Schema.IndexDropFailed",
            ErrorKind::ConstraintCreation => "Neo.ClientError.Schema.ConstraintCreationFailed",
            ErrorKind::ProcedureNotFound => "Neo.ClientError.Procedure.ProcedureNotFound",
            ErrorKind::ProcedureCallFailed => "Neo.ClientError.Procedure.ProcedureCallFailed",
            ErrorKind::ReadOnlyDatabase => "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
            ErrorKind::Arithmetic => "Neo.ClientError.Statement.ArithmeticError",
            ErrorKind::Unauthorized => "Neo.ClientError.Security.Unauthorized",
            ErrorKind::Forbidden => "Neo.ClientError.Security.Forbidden",
            ErrorKind::DatabaseNotFound => "Neo.ClientError.Database.DatabaseNotFound",
            ErrorKind::NotSupported => "Neo.ClientError.Statement.UnsupportedOperationError",
            ErrorKind::Transaction => "Neo.ClientError.Transaction.TransactionNotFound",
            ErrorKind::Conflict => "Neo.TransientError.Transaction.DeadlockDetected",
            ErrorKind::Database => "Neo.DatabaseError.General.UnknownError",
        }
    }

    /// The GQLSTATUS Neo4j 5.26 attaches to this kind of error (Bolt 5.7 failures).
    pub fn gql_status(&self) -> &'static str {
        match self.kind {
            ErrorKind::Syntax | ErrorKind::Semantic => "42001",
            ErrorKind::SemanticRuntime => "22N31",
            ErrorKind::Type => "22G03",
            ErrorKind::Argument => "22N00",
            ErrorKind::EntityNotFound => "42N00",
            ErrorKind::ParameterMissing => "42N51",
            ErrorKind::ConstraintValidation => "22N41",
            ErrorKind::SchemaRuleExists => "22N71",
            ErrorKind::SchemaRuleNotFound => "50N11",
            ErrorKind::ConstraintCreation => "22N66",
            ErrorKind::ProcedureNotFound => "42N08",
            ErrorKind::ProcedureCallFailed => "52N37",
            ErrorKind::ReadOnlyDatabase => "50N00",
            ErrorKind::Arithmetic => "22003",
            ErrorKind::Unauthorized => "42NFF",
            ErrorKind::Forbidden => "42NFF",
            ErrorKind::DatabaseNotFound => "22000",
            ErrorKind::NotSupported => "50N00",
            ErrorKind::Transaction => "25N05",
            ErrorKind::Conflict => "50N00",
            ErrorKind::Database => "50N42",
        }
    }
}

impl From<GraphError> for CypherError {
    fn from(e: GraphError) -> CypherError {
        let kind = match &e {
            GraphError::NodeNotFound(_) | GraphError::RelationshipNotFound(_) => ErrorKind::EntityNotFound,
            GraphError::NodeHasRelationships { .. } => ErrorKind::ConstraintValidation,
            GraphError::IndexExists(_) | GraphError::IndexEquivalent { .. } => ErrorKind::SchemaRuleExists,
            GraphError::IndexNotFound(_) => ErrorKind::SchemaRuleNotFound,
            GraphError::ConstraintViolation { .. } => ErrorKind::ConstraintValidation,
            GraphError::Storage(StorageError::Conflict) => ErrorKind::Conflict,
            GraphError::Corrupt(_) | GraphError::Storage(_) => ErrorKind::Database,
        };
        CypherError::new(kind, e.to_string())
    }
}

impl From<StorageError> for CypherError {
    fn from(e: StorageError) -> CypherError {
        CypherError::from(GraphError::from(e))
    }
}
