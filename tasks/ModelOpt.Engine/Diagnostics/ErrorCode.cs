namespace ModelOpt.Engine.Diagnostics;

/// <summary>
/// Every error ModelOpt reports has one of these codes. The number is what MSBuild shows as
/// <c>MOPT####</c>; the kind decides the tool's exit code. Documented in docs/errors.md.
/// </summary>
public enum ErrorCode
{
    // 1xxx: the model file itself (exit code 3)
    ModelFileNotFound = 1001,
    ModelFileEmpty = 1002,
    ModelNotProtobuf = 1003,
    ModelNotOnnx = 1004,
    ExternalDataMissing = 1005,
    ExternalDataOutsideModelFolder = 1006,
    GraphHasCycle = 1007,
    GraphHasDanglingInput = 1008,
    GraphInvalid = 1009,
    ModelWriteFailed = 1010,
    OutputWouldOverwriteSource = 1011,
    ExternalDataInvalid = 1012,
    /// <summary>A pass that needs a later opset cannot run: a node's op cannot be carried over to it (the message names the node).</summary>
    OpsetNotRaised = 1020,

    // 2xxx: usage and configuration (exit code 2)
    InvalidArgument = 2001,
    InvalidShapeBinding = 2002,
    UnknownInputName = 2003,
    InvalidConfig = 2004,
    UnknownPass = 2005,
    DataFileInvalid = 2006,
    ExecutionProviderUnavailable = 2007,
    MemoryCapTooSmall = 2008,
    InvalidValueBinding = 2020,
    InvalidStatePairing = 2021,
    SequenceLengthUnknown = 2022,
    UnknownOutputName = 2023,
    /// <summary>Samples of one input disagree in shape with each other (the message names the file).</summary>
    SampleShapesDisagree = 2030,
    /// <summary>An integer sample value lies outside what the model accepts there (an index past its table): the message names the sample.</summary>
    SampleValueOutOfRange = 2031,
    /// <summary>A lock file that is not valid JSON, has a newer schema, or names what the model lacks.</summary>
    InvalidLockFile = 2040,
    /// <summary>Locked mode: the lock is missing or was made from another model, settings or data.</summary>
    LockStale = 2041,

    /// <summary>An accuracy budget (maxAccuracyDrop) was set, but the samples have no labels (or no output has a class axis to score them on).</summary>
    LabelsMissing = 2032,

    // 3xxx: running the model (exit code 3)
    RuntimeFailed = 3001,

    // 4xxx: budgets (exit code 1)
    BudgetBroken = 4001,

    // 9xxx: a bug in ModelOpt, not the user's mistake (exit code 3)
    InternalError = 9001,
}

public static class ErrorCodes
{
    /// <summary>The MSBuild-style code, e.g. <c>MOPT1003</c>.</summary>
    public static string Text(this ErrorCode code) => $"MOPT{(int)code:D4}";

    /// <summary>The documented process exit code for an error of this kind.</summary>
    public static int ExitCode(this ErrorCode code) => (int)code switch
    {
        >= 4000 and < 5000 => ExitCodes.BudgetBroken,
        >= 2000 and < 3000 => ExitCodes.UsageError,
        _ => ExitCodes.InvalidModel,
    };
}

/// <summary>The tool's documented exit codes (docs/errors.md).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int BudgetBroken = 1;
    public const int UsageError = 2;
    public const int InvalidModel = 3;
}
