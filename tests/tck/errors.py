"""The TCK's error types as Neo4j status codes, and the phase an error was raised in.

`Then a <Type> should be raised at <phase>: <detail>` passes when the server's FAILURE
carries one of the codes below for <Type> and came in the right phase:

- compile time: the FAILURE answers RUN. With the Python driver that is an exception out
  of session.run(): Session.run -> Result._run sends RUN and PULL, then Result._attach()
  reads messages until RUN's SUCCESS has arrived, so a FAILURE of RUN raises there.
- runtime: RUN succeeded and the FAILURE answers PULL: an exception while consuming the
  records (Result.__iter__ / consume()).
- any time: either.

The <detail> (UndefinedVariable, DeleteConnectedNode, ...) has no Neo4j status code and
is not checked; the report counts it among the failures.

The codes are the ones Neo4j 5 sends for each TCK type. Neo4j reports the TCK's
ConstraintVerificationFailed (deleting a node that still has relationships) as
Neo.ClientError.Schema.ConstraintValidationFailed, and the TCK's SemanticError
(MergeReadOwnWrites: MERGE with a null property) as Neo.ClientError.Statement.SemanticError;
ProcedureError is any code of Neo4j's Procedure family (ProcedureNotFound, ...).
"""

TCK_ERROR_CODES = {
    "SyntaxError": ("Neo.ClientError.Statement.SyntaxError",),
    "SemanticError": ("Neo.ClientError.Statement.SemanticError",),
    "ParameterMissing": ("Neo.ClientError.Statement.ParameterMissing",),
    "ConstraintVerificationFailed": ("Neo.ClientError.Schema.ConstraintValidationFailed",),
    "ConstraintValidationFailed": ("Neo.ClientError.Schema.ConstraintValidationFailed",),
    "EntityNotFound": ("Neo.ClientError.Statement.EntityNotFound",),
    "PropertyNotFound": ("Neo.ClientError.Statement.PropertyNotFound",),
    "LabelNotFound": ("Neo.ClientError.Statement.LabelNotFound",),
    "TypeError": ("Neo.ClientError.Statement.TypeError",),
    "ArgumentError": ("Neo.ClientError.Statement.ArgumentError",),
    "ArithmeticError": ("Neo.ClientError.Statement.ArithmeticError",),
}
TCK_ERROR_CODE_PREFIXES = {
    "ProcedureError": "Neo.ClientError.Procedure.",
}

COMPILE_TIME = "compile time"
RUNTIME = "runtime"
ANY_TIME = "any time"
PHASES = (COMPILE_TIME, RUNTIME, ANY_TIME)


def known_type(tck_type):
    return tck_type in TCK_ERROR_CODES or tck_type in TCK_ERROR_CODE_PREFIXES


def code_matches(tck_type, code):
    if tck_type in TCK_ERROR_CODES:
        return code in TCK_ERROR_CODES[tck_type]
    prefix = TCK_ERROR_CODE_PREFIXES.get(tck_type)
    return prefix is not None and isinstance(code, str) and code.startswith(prefix)


def phase_matches(expected, actual):
    return expected == ANY_TIME or expected == actual


def check(tck_type, phase, code, actual_phase):
    """None when the error fits, else why not."""
    if not known_type(tck_type):
        return f"the harness knows no Neo4j code for the TCK error type {tck_type}"
    if not code_matches(tck_type, code):
        return f"expected a {tck_type} ({expected_codes(tck_type)}), got {code}"
    if not phase_matches(phase, actual_phase):
        return f"expected the {tck_type} at {phase}, it came at {actual_phase} ({code})"
    return None


def expected_codes(tck_type):
    if tck_type in TCK_ERROR_CODES:
        return " or ".join(TCK_ERROR_CODES[tck_type])
    return TCK_ERROR_CODE_PREFIXES.get(tck_type, "?") + "*"
