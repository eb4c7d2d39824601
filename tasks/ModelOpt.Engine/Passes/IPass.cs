using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes;

/// <summary>
/// One rewrite of a model. Passes are small and independent; the <see cref="PassPipeline"/> runs
/// them by name, cleans up after them and reports what each did.
/// </summary>
public interface IPass
{
    /// <summary>The stable name used by <c>--passes</c>, the config file and MSBuild metadata.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c> and reports.</summary>
    string Description { get; }

    /// <summary>
    /// The typed record of the pass's section in modelopt.json (an <see cref="Config.ISettings"/>):
    /// every section in a file is bound to it and checked when the file is loaded, whether the
    /// pass runs or not. The pass reads it with <see cref="PassContext.Settings{T}(string)"/>.
    /// </summary>
    Type SettingsType => typeof(Config.NoSettings);

    /// <summary>What the pass needs from the pipeline besides the model.</summary>
    PassNeeds Needs => PassNeeds.None;
    /// <summary>
    /// True when the pass keeps the model's outputs (up to float rounding), like <c>freeze</c>. The
    /// pipeline takes the teacher copy just before the first pass that does not; the default is
    /// false so that an unknown pass is treated as lossy.
    /// </summary>
    bool PreservesOutputs => false;

    /// <summary>True when the pass needs <see cref="PassContext.Teacher"/> (the model before the lossy passes).</summary>
    bool NeedsTeacher => false;

    /// <summary>Rewrites <paramref name="model"/> in place and says what it did.</summary>
    PassOutcome Run(Model model, PassContext context);
}

/// <summary>What a pass needs before it can run.</summary>
[Flags]
public enum PassNeeds
{
    None = 0,
    /// <summary>Activations on calibration samples (<see cref="PassContext.Calibration"/>).</summary>
    Calibration = 1,
}

/// <summary>What a pass did: whether it changed the model, which nodes it touched, and why it left others alone.</summary>
public sealed record PassOutcome(bool Changed, int NodesTouched, IReadOnlyList<string> Notes)
{
    public static PassOutcome Unchanged(params string[] notes) => new(false, 0, notes);

    /// <summary>
    /// Why the pass could not run on this model at all (an opset it cannot reach, a form it cannot
    /// rewrite); null when it ran. The run reports a skipped pass as a warning, never as applied.
    /// </summary>
    public string? Skipped { get; init; }

    /// <summary>A pass that could not run on the model, and why.</summary>
    public static PassOutcome SkippedBecause(string why, IReadOnlyList<string>? notes = null) => new(false, 0, notes ?? []) { Skipped = why };
}
