using System.Globalization;
using System.Reflection;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Plan;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Data;

namespace ModelOpt.Optimizer;

/// <summary>
/// The lock file of one run: where it is, the fingerprint of what this run is made from, and the
/// plan to replay when the lock on disk was made from the same. A stale lock is a warning and a new
/// search (default) or an error (locked mode, for CI), each naming what changed.
/// </summary>
public sealed class PlanLock
{
    private PlanLock(string path, LockFingerprint now, LockFile? replay, bool asked, bool existed)
    {
        Path = path;
        Now = now;
        Replay = replay;
        Asked = asked;
        Existed = existed;
    }

    /// <summary>How the user turns the lock off, in their front end's words.</summary>
    private static string Off => OptionNames.NoLock;

    /// <summary>The lock file read and written.</summary>
    public string Path { get; }

    /// <summary>What this run is made from.</summary>
    public LockFingerprint Now { get; }

    /// <summary>The lock to replay (its fingerprint matches this run's); null: choose the plan and write a new lock.</summary>
    public LockFile? Replay { get; }

    /// <summary>
    /// The budgets a replay judges against: as the plan was chosen. Where the samples could not hold a
    /// budget the user asked for, the lock records the strictest they could, and the replay judges that
    /// one limit again (the fingerprint holds the asked limit, so this is the same request).
    /// </summary>
    public BudgetSet Judging(BudgetSet budgets)
    {
        if (Replay is null) return budgets;
        var held = budgets.All.Select(b => Replay.Budgets.FirstOrDefault(l => l.Budget == b.Definition.Key && l.Asked == b.Limit) is { } l
            ? b with { Limit = l.Limit, Asked = b.Limit } : b).ToList();
        return budgets.WithBudgets(held);
    }

    /// <summary>The lock was asked for (<c>--lock</c>, a path, the config's <c>lock</c>, locked mode): written whatever the run decided, and a write failure is an error.</summary>
    public bool Asked { get; }

    /// <summary>A lock was at <see cref="Path"/> when the run began: it is this model's, so it is rewritten even by a run that decided nothing.</summary>
    public bool Existed { get; }

    /// <summary>The tool version a lock records (see <see cref="ToolFingerprint"/>).</summary>
    public static string ToolVersion { get; } = ToolFingerprint.Of(typeof(LockFile).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    /// <summary>
    /// The lock of this run, or null when locking is off. Reads and checks the lock on disk; a stale
    /// or missing one in locked mode throws <see cref="ErrorCode.LockStale"/>.
    /// </summary>
    public static PlanLock? Open(OptimizeOptions options, OptimizeConfig config, BudgetSet budgets, IReadOnlyList<string> passNames, DeployCpu cpu,
        string? dataFolder, IReadOnlyCollection<string> knownPasses, List<string> notes, List<ModelOptWarning> warnings)
    {
        bool asked = options.LockPath is not null || config.File.Lock is not null || options.Lock == LockUse.On || options.Locked;
        if (!asked && options.Lock == LockUse.Off) return null;
        string path = System.IO.Path.GetFullPath(options.LockPath ?? config.File.Lock ?? LockFile.DefaultPathFor(options.ModelPath));
        var now = Fingerprint(options, config, budgets, passNames, cpu, dataFolder);
        if (!File.Exists(path))
        {
            if (options.Locked)
                throw new ModelOptException(ErrorCode.LockStale, path, $"locked mode ({OptionNames.Locked.Name}) needs the lock file, and there is none: run once without locked mode and commit the lock it writes.");
            return new PlanLock(path, now, null, asked, existed: false);
        }
        var existing = LockFileReader.Load(path, knownPasses);
        var changes = existing.Fingerprint.Changes(now);
        if (changes.Count == 0)
        {
            notes.Add($"lock: replaying the plan in {Shown(path)} (its model, settings and data match): no search{(existing.Plan.Quantization is null ? "" : ", no calibration")}.");
            return new PlanLock(path, now, existing, asked, existed: true);
        }
        string what = string.Join("; ", changes);
        if (options.Locked)
            throw new ModelOptException(ErrorCode.LockStale, path, $"the lock is stale and locked mode ({OptionNames.Locked.Name}) forbids choosing a new plan: {what}. Run without locked mode to update the lock, and commit it.");
        warnings.Add(new ModelOptWarning(WarningCode.LockStale, path, $"the lock is stale, so the plan is chosen again and the lock rewritten: {what}."));
        return new PlanLock(path, now, null, asked, existed: true);
    }

    /// <summary>
    /// Whether this run writes its plan to the lock: not when it replayed it; yes when the lock was
    /// asked for or was there; by default only when the run made decisions a build would otherwise
    /// make again (<paramref name="decided"/>: a search, the automatic plan, a pass that calibrates).
    /// </summary>
    public bool Writes(bool decided) => Replay is null && (Asked || Existed || decided);

    /// <summary>Checks that the replayed plan's nodes are the model's (before or after its passes); a name in neither is an error at its line.</summary>
    public void CheckNodes(Model source, Model rewritten)
    {
        if (Replay is null) return;
        var names = source.Graph.AllNodes().Concat(rewritten.Graph.AllNodes()).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var errors = new List<ModelOptError>();
        for (int i = 0; i < Replay.Plan.Nodes.Count; i++)
        {
            var node = Replay.Plan.Nodes[i];
            if (node.Node.Length == 0 || names.Contains(node.Node)) continue;
            var (line, column) = Replay.NodePosition(i);
            errors.Add(new ModelOptError(ErrorCode.InvalidLockFile, Path, line, column,
                $"the plan names the node '{node.Node}', which the model does not have.{DidYouMean.Sentence(node.Node, names)} Fix the lock, or delete it to search again."));
        }
        if (errors.Count > 0) throw new ModelOptException(errors);
    }

    /// <summary>
    /// <paramref name="e"/> with its lock errors placed: the quantize pass names a recorded tensor the
    /// model lacks (it knows the graph, not the file), and here it gets the line of that tensor's entry.
    /// </summary>
    public ModelOptException Located(ModelOptException e)
    {
        if (Replay?.Plan.Quantization is not { } q || !e.Errors.Any(x => x.Code == ErrorCode.InvalidLockFile && x.File == Path && x.Line == 0)) return e;
        var errors = e.Errors.Select(x =>
        {
            if (x.Code != ErrorCode.InvalidLockFile || x.File != Path || x.Line != 0) return x;
            int i = Enumerable.Range(0, q.Tensors.Count).FirstOrDefault(k => x.Message.Contains($"'{q.Tensors[k].Tensor}'", StringComparison.Ordinal), -1);
            if (i < 0) return x;
            var (line, column) = Replay.TensorPosition(i);
            return x with { Line = line, Column = column };
        }).ToList();
        return new ModelOptException(errors);
    }

    /// <summary>
    /// Writes the plan chosen by this run, with its fingerprint and the budgets as measured
    /// (atomically). A lock nobody asked for that cannot be written (a read-only model folder) is a
    /// warning: the model is still the one the run checked.
    /// </summary>
    public void Write(OptimizationPlan plan, BudgetSet budgets, ValidationReport? report, List<string> notes, List<ModelOptWarning> warnings)
    {
        var measured = report?.Verdicts.ToDictionary(v => v.Budget.Definition.Key, v => v) ?? [];
        var locked = budgets.All.Select(b => measured.TryGetValue(b.Definition.Key, out var v)
            ? new LockedBudget(b.Definition.Key, b.Limit, v.Measured, v.Kept) { Asked = b.Asked }
            : new LockedBudget(b.Definition.Key, b.Limit, null, true) { Asked = b.Asked }).ToList();
        try
        {
            if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
            AtomicFile.WriteAllText(Path, LockFileWriter.Write(new LockFile(Now, locked, plan)));
            notes.Add($"lock: wrote the plan to {Shown(Path)}; commit it so that every build replays it ({Off}: no lock).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Asked) throw new ModelOptException(ErrorCode.ModelWriteFailed, Path, $"the lock file could not be written, so nothing was written: {e.Message}", e);
            warnings.Add(new ModelOptWarning(WarningCode.LockNotWritten, Path, $"the lock file could not be written, so the next build chooses the plan again: {e.Message}. Give a writable path ({OptionNames.LockFile.With()}), or turn the lock off ({Off})."));
        }
    }

    // Everything a plan depends on, each by name so that a change can be named: the effective settings
    // from every front end (the config file by its content), the data by each sample's bytes.
    private static LockFingerprint Fingerprint(OptimizeOptions options, OptimizeConfig config, BudgetSet budgets, IReadOnlyList<string> passNames, DeployCpu cpu, string? dataFolder)
    {
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["passes"] = string.Join(",", passNames),
            ["search"] = options.Search ? "true" : "false",
            ["deployCpu"] = cpu.Key(),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
        };
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value)) settings[key] = value;
        }
        if (config.SourcePath is { } configPath && File.Exists(configPath))
            Add("config", $"{System.IO.Path.GetFileName(configPath)} sha256:{LockFingerprint.Sha256OfText(File.ReadAllText(configPath))}");
        Add("passSettings", options.PassSettings);
        Add("budgets", string.Join("; ", budgets.All.Select(b => $"{b.Definition.Key}={b.Limit.ToString("R", CultureInfo.InvariantCulture)}")));
        Add("fidelityFloor", options.FidelityFloor?.ToString().ToLowerInvariant());
        Add("shapes", string.Join(" ", options.Shapes));
        Add("values", string.Join(" ", options.Values));
        Add("state", string.Join(" ", options.State));
        Add("usedOutputs", string.Join(",", options.UsedOutputs));
        Add("calibrationSamples", options.CalibrationSamples?.ToString(CultureInfo.InvariantCulture));
        var data = LockFingerprint.DataOf(dataFolder).ToList();
        if (options.LabelsPath is { } labels && File.Exists(labels) && (dataFolder is null || !System.IO.Path.GetFullPath(labels).StartsWith(System.IO.Path.GetFullPath(dataFolder), StringComparison.Ordinal)))
            data.Add(new DataFile("labels:" + System.IO.Path.GetFileName(labels), LockFingerprint.Sha256Of(labels)));
        return new LockFingerprint(System.IO.Path.GetFileName(options.ModelPath), LockFingerprint.Sha256Of(options.ModelPath), settings, data, ToolVersion);
    }

    // A note names the lock as the user would type it: relative to the working folder when it lies below it.
    private static string Shown(string path)
    {
        string relative = System.IO.Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(relative) ? path : relative.Replace('\\', '/');
    }

    /// <summary>The folder of samples this run calibrates and validates on, as calibration resolves it.</summary>
    public static string? DataFolder(OptimizeOptions options, OptimizeConfig config) =>
        options.DataPath ?? config.Calibration?.Data ?? SampleSet.FindBeside(options.ModelPath);
}
