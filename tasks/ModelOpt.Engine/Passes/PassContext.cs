using System.Text.Json.Nodes;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes;

/// <summary>What a pass may consult while it runs: its settings and a place for notes.</summary>
public sealed class PassContext
{
    private readonly List<string> _notes = [];
    private readonly List<RequiredCheck> _checks = [];

    public PassContext(string modelDisplayName) => ModelDisplayName = modelDisplayName;

    /// <summary>How the model is named in messages (its path).</summary>
    public string ModelDisplayName { get; }

    /// <summary>Largest constant (in bytes) that constant folding may create; Tile or ConstantOfShape must not blow up the file.</summary>
    public long MaxFoldedConstantBytes { get; init; } = 1 << 20;

    /// <summary>
    /// The shapes the user bound (<c>--shape</c>); a pass that re-runs shape inference passes them on,
    /// or a dynamic input would lose its bound size halfway through the pipeline.
    /// </summary>
    public Shapes.ShapeBindings Bindings { get; init; } = Shapes.ShapeBindings.None;

    /// <summary>The configuration: global pass settings and per-node overrides.</summary>
    public OptimizeConfig Config { get; init; } = OptimizeConfig.Empty;

    /// <summary>Calibration samples run through ONNX Runtime, for passes that need activations (quantize, refit); null when none were given.</summary>
    public Calibration.IActivationSource? Calibration { get; init; }

    /// <summary>The CPU the model is made for (the config's <c>deployCpu</c>, default portable): int8 weights follow it, never the build machine's CPU.</summary>
    public Plan.DeployCpu DeployCpu => Config.File.DeployCpu ?? Plan.DeployCpu.Portable;

    /// <summary>
    /// Static int8 as a lock recorded it (replay): ranges, scales and zero points are taken from
    /// here and nothing is calibrated. Null: calibrate.
    /// </summary>
    public Plan.QuantizationPlan? RecordedQuantization { get; init; }

    /// <summary>Where <see cref="RecordedQuantization"/> came from (the lock file), for its errors.</summary>
    public string? RecordedSource { get; init; }

    /// <summary>Static int8 as this run computed it (set by the quantize pass), for the plan and the lock.</summary>
    public Plan.QuantizationPlan? Quantization { get; set; }

    /// <summary>Evaluates constant subexpressions for <c>freeze</c>'s constant folding; null: nothing is folded.</summary>
    public IConstantEvaluator? ConstantEvaluator { get; init; }

    /// <summary>
    /// A pristine copy of the model as it was before the pipeline's lossy passes, for passes that
    /// match its values (<c>refit</c>). <see cref="PassPipeline"/> sets it when a pass needs it;
    /// a caller may set it beforehand.
    /// </summary>
    public Model? Teacher { get; set; }

    /// <summary>Which teacher value each rewritten value stands for; lossy passes record their replacements here.</summary>
    public TeacherCorrespondence TeacherValues { get; } = new();

    /// <summary>Settings of <paramref name="pass"/> for <paramref name="node"/>; null: leave the node alone.</summary>
    public JsonObject? SettingsFor(string pass, Node node) => Config.SettingsFor(pass, node);

    /// <summary>The global settings of <paramref name="pass"/>, typed.</summary>
    public T Settings<T>(string pass) where T : class, ISettings => Config.Settings<T>(pass);

    /// <summary>Settings of <paramref name="pass"/> for <paramref name="node"/>, typed; null: leave the node alone.</summary>
    public T? Settings<T>(string pass, Node node) where T : class, ISettings => Config.Settings<T>(pass, node);

    /// <summary>
    /// What the passes chose per node that a replay must choose the same (prune's kept channels,
    /// the ranks energy picked), each as per-node settings that make the pass do exactly that. The
    /// plan records them, so a replay needs no data and does not recompute a choice whose last bits
    /// could move with the CPU.
    /// </summary>
    public IReadOnlyList<Plan.NodeDecision> Decisions => _decisions;

    private readonly List<Plan.NodeDecision> _decisions = [];

    /// <summary>Records that <paramref name="pass"/> chose <paramref name="settings"/> for <paramref name="node"/>.</summary>
    public void Decide(string pass, Node node, JsonObject settings) =>
        _decisions.Add(new Plan.NodeDecision(node.Name, pass, settings, Plan.PlanNodes.Label(pass, settings)));

    public IReadOnlyList<string> Notes => _notes;

    public void Note(string note) => _notes.Add(note);

    /// <summary>Checks passes asked the validation layer to run on the result (a speed check after quantizing).</summary>
    public IReadOnlyList<RequiredCheck> RequiredChecks => _checks;

    public void RequireCheck(RequiredCheck check) => _checks.Add(check);
}
