using ModelOpt.Engine.Diagnostics;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// Tells a trial whose own rewrite failed (ONNX Runtime refuses the model, a pass breaks on that
/// setting) from a failure of the run itself (bad data, a usage error, memory, the original model
/// not running). The first leaves that setting out and the search goes on; the second ends the run
/// as it would without a search. One layer a pass cannot rewrite must not cost the user the rest.
/// </summary>
public static class RejectedRewrite
{
    /// <summary>Why the trial's rewrite failed, or null when the failure is the run's and must propagate.</summary>
    public static string? Reason(Exception e, string modelPath) => e switch
    {
        // The original failing is the run's problem: every trial would fail the same way.
        ModelOptException m when m.Code == ErrorCode.RuntimeFailed && m.File == modelPath => null,
        ModelOptException m when m.Code == ErrorCode.RuntimeFailed => $"ONNX Runtime does not run the rewritten model ({m.Code.Text()}): {m.Message}",
        ModelOptException m when m.Code is ErrorCode.GraphInvalid or ErrorCode.GraphHasCycle or ErrorCode.GraphHasDanglingInput or ErrorCode.InternalError
            => $"the rewrite left an invalid model ({m.Code.Text()}): {m.Message}",
        // Usage, data, memory and I/O errors are the run's, whatever the setting.
        ModelOptException => null,
        InvalidOperationException or ArgumentException or IndexOutOfRangeException or NotSupportedException or ArithmeticException or NullReferenceException or KeyNotFoundException
            => $"a pass failed on this setting ({e.GetType().Name}): {e.Message}",
        _ => null,
    };
}
