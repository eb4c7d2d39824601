using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes.Refit;

namespace ModelOpt.Engine.Passes.Refit;

/// <summary>
/// <c>refit</c>: teacher-guided reconstruction, a distillation without training (He et al. 2017
/// "Channel Pruning"; ThiNet). After lossy passes, the linear layer that follows each compressed
/// layer is solved by least squares so that, on the calibration samples, its outputs given the
/// compressed model's inputs match the teacher's (the model before the lossy passes) at the same
/// point, before the activation; the final classifier is fitted to the teacher's logits.
/// </summary>
/// <remarks>
/// Layers are refit one at a time in graph order, each against the model as already refit, so
/// later layers also absorb what earlier fits could not. Calibration is streamed: memory is the
/// normal equations (D² + D·Cout doubles, D = Cin·Kh·Kw + 1), not the samples. For convs, at most
/// <c>maxPositionsPerSample</c> output positions per sample enter the fit, drawn without repeats by
/// a <see cref="Random"/> seeded from <c>seed</c>, so runs are reproducible.
/// </remarks>
public sealed class RefitPass : IPass
{
    public const string PassName = "refit";

    public string Name => PassName;

    public Type SettingsType => typeof(RefitSettings);

    public string Description => "Refit the layers after compressed ones by least squares so their outputs match the original model's on calibration data.";

    public bool NeedsTeacher => true;

    public PassNeeds Needs => PassNeeds.Calibration;

    public PassOutcome Run(Model model, PassContext context)
    {
        string configFile = context.Config.SourcePath ?? context.ModelDisplayName;
        var source = context.Calibration
            ?? throw new ModelOptException(ErrorCode.InvalidConfig, configFile,
                "the refit pass needs calibration data: add \"calibration\": { \"data\": \"<folder of samples>\" } to the configuration (refit matches the original model's activations on those samples).");
        var global = context.Settings<RefitSettings>(PassName);
        if (context.Teacher is not { } teacher)
            return PassOutcome.Unchanged("no teacher model: refit compares against the model before the lossy passes, which the pipeline provides");

        var notes = new List<string>();
        if (source.IsSynthetic) notes.Add($"calibration samples are synthetic ({source.Description}): the layers are fitted on noise, check accuracy on real data");
        var targets = RefitPlanner.Plan(model, teacher, context, global.Layers, notes);
        if (targets.Count == 0)
        {
            notes.Add(global.Layers == RefitLayers.AfterCompressed
                ? "no layer follows a compressed one (run refit after separable or prune)"
                : "no layer differs from the teacher");
            return new PassOutcome(false, 0, notes);
        }

        int refit = 0;
        foreach (var target in targets)
        {
            var settings = context.Settings<RefitSettings>(PassName, target.Layer.Node)!;
            if (Fit(model, teacher, source, target, settings, notes)) refit++;
        }
        return new PassOutcome(refit > 0, refit, notes);
    }

    private static bool Fit(Model model, Model teacher, Calibration.IActivationSource source, RefitTarget target, RefitSettings settings, List<string> notes)
    {
        var layer = target.Layer;
        string name = layer.Node.Name;
        string inputName = layer.Node.Input(0)!.Name;
        var equations = new NormalEquations(layer.RowLength + 1, layer.Outputs);
        var random = new Random(settings.Seed);
        foreach (var pair in source.StreamTogether([(model, [inputName]), (teacher, [target.TeacherValue])]))
        {
            var (student, reference) = (pair[0], pair[1]);
            var wanted = reference[target.TeacherValue];
            if (target.Channels is { } channels)
            {
                if (wanted.Dims.Length < 2 || channels.Any(c => c >= wanted.Dims[1]))
                {
                    notes.Add($"{name}: skipped, the teacher's '{target.TeacherValue}' has shape [{string.Join(", ", wanted.Dims)}], without the channels pruning kept");
                    return false;
                }
                wanted = ChannelsOf(wanted, channels);
            }
            if (layer.AddRows(student[inputName], wanted, equations, random, settings.MaxPositionsPerSample) is { } mismatch)
            {
                notes.Add($"{name}: skipped, {mismatch}");
                return false;
            }
        }

        var fit = equations.Solve(settings.Ridge, layer.CurrentWeights());
        if (fit is null)
        {
            notes.Add($"{name}: skipped, the least-squares system is singular (inputs all zero on the calibration samples?); raise 'refit.ridge'");
            return false;
        }
        string figures = $"relative squared error on {equations.Rows:N0} calibration rows {fit.RelativeBefore:0.#####} → {fit.RelativeAfter:0.#####} ({equations.Unknowns} unknowns per output)";
        if (fit.ErrorAfter >= fit.ErrorBefore)
        {
            notes.Add($"{name}: not refit (its weights stay as the earlier passes left them), the fit did not improve it ({figures})");
            return false;
        }
        layer.Write(model.Graph, fit.Solution);
        string which = target.Channels is { } kept ? $" (the {kept.Count} channels pruning kept)" : "";
        notes.Add($"{name}: refit to the teacher's '{target.TeacherValue}'{which}, {figures}");
        return true;
    }

    // The teacher's value restricted to the given channels of axis 1.
    private static Tensor ChannelsOf(Tensor value, IReadOnlyList<int> channels)
    {
        var kept = value.Dims.Select((d, axis) => axis == 1 ? channels.ToArray() : Enumerable.Range(0, (int)d).ToArray()).ToArray();
        var dims = value.Dims.ToArray();
        dims[1] = channels.Count;
        return Tensor.FromFloats(value.Name, dims, Prune.ChannelRemoval.Take(value.Span<float>(), value.Dims, kept));
    }
}
