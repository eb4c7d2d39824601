namespace ModelOpt.Engine.Diagnostics;

/// <summary>
/// Warnings a run reports without failing: the result is written, but something about it deserves a
/// look. MSBuild shows the number as a <c>MOPT5###</c> warning (so a project can silence one with
/// <c>NoWarn</c> or promote it with <c>WarningsAsErrors</c>). Documented in docs/errors.md.
/// </summary>
public enum WarningCode
{
    /// <summary>A pass calibrated on seeded synthetic samples because no data was given.</summary>
    SyntheticCalibration = 5001,

    /// <summary>Output budgets (accuracy, agreement, cosine) were measured on synthetic samples.</summary>
    SyntheticValidation = 5002,

    /// <summary>The int8 model runs slower than the original and was kept because <c>quantize.allowSlower</c> is set.</summary>
    QuantizedSlower = 5003,

    /// <summary>A pass that did not pay on the model (int8 slower than the original) was left out; the other passes ran.</summary>
    PassSkipped = 5004,

    /// <summary>The rewrite gained nothing: no fewer FLOPs, no smaller file, no faster.</summary>
    NoGain = 5005,

    /// <summary>The passes asked for rewrote no compute node: the model's weighted layers sit inside If/Loop bodies, which passes do not enter.</summary>
    WorkInsideSubgraphs = 5006,

    /// <summary><c>--search-time</c> ran out before the search found any saving; the original layers were kept.</summary>
    SearchTimeRanOut = 5007,

    /// <summary>The search's choice broke a budget on the samples it never saw; a less aggressive choice it had validated was confirmed and written instead.</summary>
    SearchSteppedBack = 5008,

    /// <summary>The written model is smaller than the original but clearly slower (fp16 on a CPU without float16 arithmetic).</summary>
    SlowerThanOriginal = 5009,

    /// <summary>The samples are too few to resolve an output budget at the confidence level: the warning says how many it takes and what budget these samples can hold, which the budget is judged against.</summary>
    SamplesCannotResolveBudget = 5020,

    /// <summary>The time limit cut the search short: the plan is the best found by then, so it depends on how fast the machine ran; a limit that lets the search finish gives the same plan whatever the load.</summary>
    SearchCutShort = 5021,

    /// <summary>The lock file was made from another model, settings or data: the plan was chosen again and the lock rewritten.</summary>
    LockStale = 5030,

    /// <summary>The lock file written by default beside the model could not be written (a read-only folder): the model was, and the next build chooses the plan again.</summary>
    LockNotWritten = 5031,
}

public static class WarningCodes
{
    /// <summary>The MSBuild-style code, e.g. <c>MOPT5001</c>.</summary>
    public static string Text(this WarningCode code) => $"MOPT{(int)code:D4}";
}
