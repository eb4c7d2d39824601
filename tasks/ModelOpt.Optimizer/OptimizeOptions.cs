using ModelOpt.Engine.Diagnostics;

namespace ModelOpt.Optimizer;

/// <summary>
/// Everything one optimization run takes. The tool's <c>optimize</c> command and the MSBuild task
/// both turn their inputs into this record and call <see cref="OptimizeJob"/>, so the two give
/// byte-identical models for the same settings.
/// </summary>
public sealed record OptimizeOptions
{
    public required string ModelPath { get; init; }

    public required string OutputPath { get; init; }

    /// <summary>Pass names in order; null takes them from the config file ('none' or empty: re-serialize only).</summary>
    public IReadOnlyList<string>? Passes { get; init; }

    /// <summary>A <c>modelopt.json</c>; null for defaults.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>
    /// Pass sections given inline, e.g. <c>{ "quantize": { "allowSlower": true } }</c> (MSBuild's
    /// <c>PassSettings</c>, the tool's <c>--pass-settings</c>): the schema of modelopt.json's pass
    /// sections, laid over the config file's key by key.
    /// </summary>
    public string? PassSettings { get; init; }

    /// <summary>What <see cref="PassSettings"/> came from, for its errors (the project file; null: the command line).</summary>
    public string? PassSettingsSource { get; init; }

    /// <summary>Folder of calibration samples; null: the config's, else <c>NAME.samples/</c> beside the model, else synthetic.</summary>
    public string? DataPath { get; init; }

    /// <summary><c>NAME=1x3x224x224</c> bindings for dynamic input dimensions.</summary>
    public IReadOnlyList<string> Shapes { get; init; } = [];

    /// <summary><c>NAME=VALUE</c> bindings of inputs to fixed values (<c>sr=16000</c>, <c>state=zeros</c>); they win over the config's <c>values</c>.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary><c>OUTPUT=INPUT</c> state pairs of a streaming model; they win over the config's <c>state</c>.</summary>
    public IReadOnlyList<string> State { get; init; } = [];

    /// <summary>The outputs the application reads (<c>--used-outputs</c>); they win over the config's <c>usedOutputs</c>. Empty: every output.</summary>
    public IReadOnlyList<string> UsedOutputs { get; init; } = [];

    /// <summary><c>OUTPUT=KIND</c> entries (<c>--output-kinds</c>): what each output is taken for when judged; they win over the config's <c>outputKinds</c>. Empty: detected.</summary>
    public IReadOnlyList<string> OutputKinds { get; init; } = [];

    /// <summary>Calibration samples to use; null: the config's (default 64).</summary>
    public int? CalibrationSamples { get; init; }

    /// <summary>Seed for synthetic samples and any sampling a pass does.</summary>
    public int Seed { get; init; }

    /// <summary>Budgets from the command line or MSBuild metadata; they win over the config's key by key.</summary>
    public Engine.Budgets.BudgetSet Budgets { get; init; } = Engine.Budgets.BudgetSet.None;

    /// <summary>ONNX Runtime session options and memory cap from the command line or MSBuild metadata; they win over the config's <c>runtime</c> section key by key.</summary>
    public Engine.Config.RuntimeConfig Runtime { get; init; } = Engine.Config.RuntimeConfig.None;

    /// <summary>Labels for the validation samples (<c>--labels</c>); default: <c>labels.*</c> in the sample folder.</summary>
    public string? LabelsPath { get; init; }

    /// <summary>Run the accuracy-aware search for the most aggressive per-layer settings that keep every budget.</summary>
    public bool Search { get; init; }

    /// <summary>
    /// The lock file to read and write (<c>--lock PATH</c>, <c>LockFile</c> metadata); null: the config's
    /// <c>lock</c>, else <c>MODEL.modelopt.lock.json</c> beside the model unless <see cref="Lock"/> is off.
    /// </summary>
    public string? LockPath { get; init; }

    /// <summary>
    /// Whether this run reads and writes a lock file. Off here, for callers of the library (a test,
    /// a benchmark, the automatic plan's own trials), which must not leave files beside a model they
    /// were only asked to read; the tool and the MSBuild task, the product's front ends, default to
    /// <see cref="LockUse.Auto"/> (<c>--no-lock</c>, <c>LockFile="false"</c> turn it off).
    /// </summary>
    public LockUse Lock { get; init; }

    /// <summary>Read and write the lock at its default path (<c>--lock</c>, <c>LockFile="true"</c>).</summary>
    public bool UseLock { get => Lock == LockUse.On; init => Lock = value ? LockUse.On : LockUse.Off; }

    /// <summary>A lock already opened by the automatic plan, whose matching plan this run replays instead of opening its own.</summary>
    internal PlanLock? OpenedLock { get; init; }

    /// <summary>Locked mode (<c>--locked</c>, <c>ModelOptLockedMode</c>): a missing or stale lock is an error, never a new search.</summary>
    public bool Locked { get; init; }

    /// <summary>The CPU the model will run on (<c>--deploy-cpu</c>, <c>DeployCpu</c>); null: the config's <c>deployCpu</c>, else portable.</summary>
    public Engine.Plan.DeployCpu? DeployCpu { get; init; }

    /// <summary>
    /// The default fidelity floor (docs/validation.md): null takes the config's <c>budgets.fidelityFloor</c>,
    /// else on; false switches it off (<c>--no-fidelity-floor</c>, <c>FidelityFloor="false"</c>).
    /// </summary>
    public bool? FidelityFloor { get; init; }

    /// <summary>Compare the result with the original (outputs, latency) even when no budget asks for it: reports want the figures.</summary>
    public bool Validate { get; init; }

    /// <summary>
    /// Time the result against the original in the final comparison when no latency budget asks for
    /// it. The automatic plan turns it off for its trials: it times all of them together, interleaved.
    /// </summary>
    public bool MeasureLatency { get; init; } = true;

    /// <summary>Whether the search's output probe times each segment (<see cref="Search.SearchRequest.TimeSegments"/>); the automatic plan turns it off for dynamic int8.</summary>
    public bool SearchTimesSegments { get; init; } = true;

    /// <summary>The search's time limit when none is given: the tool's and the build's default alike.</summary>
    public static TimeSpan DefaultSearchTime { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Wall-clock limit of the search; when it runs out the best settings found so far are used.</summary>
    public TimeSpan SearchTime { get; init; } = DefaultSearchTime;

    /// <summary>Called after each validation batch with (done, total); the tool draws progress from it.</summary>
    public Action<int, int>? Progress { get; init; }

    /// <summary>Where the settings were written (the tool or an MSBuild item): messages name a setting as its user wrote it.</summary>
    public Engine.Config.FrontEnd FrontEnd { get; init; }

    /// <summary>Each line of the search log as the search writes it (a terminal shows how far it got); null: none.</summary>
    public Action<string>? SearchProgress { get; init; }

    /// <summary>
    /// Values no run can use, by property name: the tool and the MSBuild task both check their
    /// input with this (each naming the property as its user wrote it), and so does <see cref="OptimizeJob"/>.
    /// </summary>
    public IEnumerable<(string Property, string Problem)> Problems()
    {
        if (CalibrationSamples is < 1) yield return (nameof(CalibrationSamples), $"must be at least 1, got {CalibrationSamples}");
        if (SearchTime < TimeSpan.FromSeconds(1)) yield return (nameof(SearchTime), $"must be at least 1 second, got {SearchTime.TotalSeconds:0.###}");
    }

    /// <summary>Throws one <see cref="ErrorCode.InvalidArgument"/> error per problem, each named by <paramref name="name"/> (a property name in, the user's spelling out).</summary>
    public void Check(Func<string, string>? name = null, string? file = null)
    {
        var errors = Problems().Select(p => new ModelOptError(ErrorCode.InvalidArgument, file, 0, 0, $"{(name ?? (n => n))(p.Property)} {p.Problem}.")).ToList();
        if (errors.Count > 0) throw new ModelOptException(errors);
    }
}

/// <summary>When a run reads and writes its lock file (<see cref="OptimizeOptions.Lock"/>).</summary>
public enum LockUse
{
    /// <summary>No lock, unless a path is given or locked mode asks for one (locked mode needs the lock, whatever else says).</summary>
    Off,

    /// <summary>
    /// The front ends' default: a lock that matches is replayed; a new one is written when the run
    /// made decisions worth replaying (a search, the automatic plan, a pass that calibrates) or a
    /// lock was already there. Nothing else leaves a file beside the model.
    /// </summary>
    Auto,

    /// <summary>Always read and write the lock (<c>--lock</c>, <c>LockFile="true"</c>).</summary>
    On,
}
