using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Calibration;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Sensitivity;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation;

namespace ModelOpt.Optimizer.Search;

/// <summary>What the accuracy-aware search works from: the model, the user's config and passes, the budgets and the validation data (its search part).</summary>
public sealed record SearchRequest(
    string ModelPath,
    OptimizeConfig Config,
    IReadOnlyList<string> Passes,
    BudgetSet Budgets,
    ValidationSettings Validation,
    TimeSpan TimeLimit,
    PassRegistry Registry,
    IActivationSource? Calibration)
{
    /// <summary>Each search log line as it is written, for a terminal (null: none).</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>How the validation samples were split between the search and the confirmation, for the log.</summary>
    public string? SplitNote { get; init; }

    /// <summary>Warnings the log says as the search starts (what the samples cannot resolve), before the minutes are spent.</summary>
    public IReadOnlyList<string> UpFront { get; init; } = [];

    /// <summary>How many samples the confirmation will judge the choice on (0: none held out), for the search's <see cref="ConfirmationForecast"/>.</summary>
    public int ConfirmationSamples { get; init; }

    /// <summary>Builds and validates a trial (null: <see cref="TrialJudge.Build"/>); tests of the search's mechanics put a fake of the expensive part here.</summary>
    public Func<SearchTrial, TrialOutcome>? Judge { get; init; }

    /// <summary>Times the second trial's model against the first's, paired and interleaved (null: built and run in ONNX Runtime); tests of the structure phase put a fake here.</summary>
    public Func<SearchTrial, SearchTrial, Validation.Comparison.PairedTiming.Verdict>? TimeStructure { get; init; }

    /// <summary>Time since the search started (null: a stopwatch started with it); tests move a fake clock instead of waiting.</summary>
    public Func<TimeSpan>? Clock { get; init; }

    /// <summary>
    /// Whether the output probe times each segment's int8 against the original (and leaves out the
    /// segments that saved no time it could tell from noise). The automatic plan turns it off for
    /// dynamic int8: each MatMul it takes saves in proportion to its multiply-adds, and the plan
    /// times the whole choice against the original anyway, while on a loaded machine eight
    /// segments of a few layers each time as no faster and leave nothing to choose.
    /// </summary>
    public bool TimeSegments { get; init; } = true;

    /// <summary>The longest the search stays silent: a progress line at least this often while a step runs.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The settings the search chose (as a config with per-node settings and a pass list), its log, or why no setting keeps the budgets.</summary>
public sealed record SearchOutcome(OptimizeConfig Config, IReadOnlyList<string> Passes, IReadOnlyList<string> Log, ModelOptException? Failure)
{
    /// <summary>The int8 speed check the search made on the model it chose, so the run does not measure (and maybe decide) twice.</summary>
    public SpeedCheckResult? SpeedCheck { get; init; }

    /// <summary>Set when the time limit ran out before any saving was found: what to warn the user.</summary>
    public string? TimeRanOut { get; init; }

    /// <summary>Set when the time limit cut the search short after it found savings: the plan depends on the machine's speed (MOPT5021).</summary>
    public string? CutShort { get; init; }

    /// <summary>The sensitivity profile the search ranked by.</summary>
    public SensitivityProfile? Profile { get; init; }

    /// <summary>
    /// Less aggressive choices the search validated on its way (with the same margin), the most
    /// aggressive first: where the confirmation on unseen samples breaks a budget, the run steps
    /// back to these (<see cref="StepBack"/>) before it gives up.
    /// </summary>
    public IReadOnlyList<SearchFallback> Fallbacks { get; init; } = [];
}

/// <summary>A choice the search validated on its way to the final one: its config and passes, and what it was.</summary>
public sealed record SearchFallback(OptimizeConfig Config, IReadOnlyList<string> Passes, string Description);
