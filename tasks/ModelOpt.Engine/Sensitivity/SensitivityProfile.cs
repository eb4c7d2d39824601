using System.Diagnostics;
using ModelOpt.Engine.Calibration;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes.Knobs;

namespace ModelOpt.Engine.Sensitivity;

/// <summary>One setting of a knob as the profile measured it: the layer's own error (1 / SQNR) and what it saves.</summary>
public sealed record StepProfile(string Label, double Harm, double Saving);

/// <summary>
/// One knob in the profile: its steps, and what its layers cost as they are (MACs per sample, and
/// cost units: MACs plus memory traffic, for savings that are time rather than MACs).
/// </summary>
public sealed record KnobProfile(LayerKnob Knob, KnobSaving Saves, long MacsPerSample, double CostPerSample, IReadOnlyList<StepProfile> Steps)
{
    /// <summary>True when every step could be measured (a layer the profile cannot recompute, or one never reached, has NaN harm).</summary>
    public bool Measured => Steps.All(s => !double.IsNaN(s.Harm));
}

/// <summary>
/// One step along the ranked list: turning <see cref="Knob"/> to <see cref="Step"/> from the step
/// before, with the harm and saving it adds.
/// </summary>
public sealed record RankedMove(KnobProfile Knob, int Step, double Harm, double Saving)
{
    /// <summary>Harm per unit of saving: the order in which the search takes moves (least first).</summary>
    public double HarmPerSaving { get; init; }
}

/// <summary>
/// Every knob's sensitivity, from one pass over the calibration samples: with each candidate
/// layer's float input exposed once, each setting's error is that of the layer alone, recomputed in
/// C# on sampled input rows (<see cref="LocalError"/>), so measuring N layers costs one model run, not
/// N re-quantized pipelines. Consumed by the search (its ranking) and by <c>analyze --advise</c>.
/// </summary>
public sealed class SensitivityProfile
{
    private SensitivityProfile(IReadOnlyList<KnobProfile> knobs, int samples, string source, TimeSpan elapsed)
    {
        Knobs = knobs;
        Samples = samples;
        Source = source;
        Elapsed = elapsed;
    }

    public IReadOnlyList<KnobProfile> Knobs { get; }

    public int Samples { get; }

    public string Source { get; }

    public TimeSpan Elapsed { get; }

    /// <summary>The knobs of one pass, listed on the model the pass prepared (<see cref="IKnobProvider.Knobs"/>).</summary>
    public sealed record KnobSet(KnobSaving Saves, Model Model, IReadOnlyList<LayerKnob> Knobs);

    public static SensitivityProfile Measure(IReadOnlyList<KnobSet> sets, IActivationSource source, int seed = 0)
    {
        var clock = Stopwatch.StartNew();
        var result = new List<KnobProfile>();
        foreach (var set in sets)
        {
            var layers = new Dictionary<string, LayerSample>(StringComparer.Ordinal);
            var byName = set.Model.Graph.Nodes.Where(n => n.Name.Length > 0).GroupBy(n => n.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            int index = 0;
            foreach (var member in set.Knobs.SelectMany(k => k.Members).Distinct())
                if (byName.TryGetValue(member, out var node) && node.Outputs.Count > 0 && node.Output(0) is not null)
                    layers[member] = new LayerSample(node, source.SampleCount, seed * 7919 + index++);
            if (layers.Count > 0)
            {
                var names = layers.Values.SelectMany(l => l.ValueNames()).Distinct().ToList();
                foreach (var batch in source.Stream(set.Model, names))
                    foreach (var layer in layers.Values) layer.Add(batch);
            }
            foreach (var knob in set.Knobs)
            {
                var members = knob.Members.Select(m => layers.GetValueOrDefault(m)).ToList();
                long macs = members.Sum(l => l?.MacsPerSample ?? 0);
                // Memory traffic weighs like a few MACs per element: what makes element-wise ops cost time at all.
                double cost = members.Sum(l => l is null ? 0 : l.MacsPerSample + 8.0 * l.ElementsPerSample);
                var steps = knob.Ladder.Select(setting =>
                {
                    var harms = members.Select(l => l is null ? double.NaN : LocalError.Of(l, setting.Change)).ToList();
                    double harm = harms.Count == 0 ? double.NaN : harms.Max();
                    double saving = set.Saves == KnobSaving.Macs ? macs * (1 - setting.MacsLeft + setting.AlsoSaved) : cost;
                    return new StepProfile(setting.Label, harm, saving);
                }).ToList();
                result.Add(new KnobProfile(knob, set.Saves, macs, cost, steps));
            }
        }
        return new SensitivityProfile(result, source.SampleCount, source.Description, clock.Elapsed);
    }

    /// <summary>A profile of knobs measured elsewhere (or made up by a test).</summary>
    public static SensitivityProfile From(IReadOnlyList<KnobProfile> knobs, int samples, string source) => new(knobs, samples, source, TimeSpan.Zero);

    /// <summary>
    /// The same profile with every step replaced by <paramref name="step"/>(knob, step): e.g. harm
    /// and saving as measured at the model's output rather than at the layer.
    /// </summary>
    public SensitivityProfile Rescaled(Func<KnobProfile, StepProfile, StepProfile> step) =>
        new(Knobs.Select(k => k with { Steps = k.Steps.Select(s => step(k, s)).ToList() }).ToList(), Samples, Source, Elapsed);

    /// <summary>
    /// The measured knobs of one kind of saving as moves ranked by harm per unit of saving, least
    /// first. A knob's later steps never rank before its earlier ones (each move's ratio is at least
    /// the one before it), so any prefix of the list is a valid setting of every knob.
    /// </summary>
    public IReadOnlyList<RankedMove> Ranked(KnobSaving saves)
    {
        var moves = new List<RankedMove>();
        foreach (var knob in Knobs.Where(k => k.Saves == saves && k.Measured))
        {
            double floor = 0, harmBefore = 0, savingBefore = 0;
            for (int s = 0; s < knob.Steps.Count; s++)
            {
                var step = knob.Steps[s];
                double harm = Math.Max(0, step.Harm - harmBefore), saving = step.Saving - savingBefore;
                double ratio = saving > 0 ? harm / saving : double.PositiveInfinity;
                floor = Math.Max(floor, ratio);
                moves.Add(new RankedMove(knob, s, harm, saving) { HarmPerSaving = floor });
                harmBefore = Math.Max(harmBefore, step.Harm);
                savingBefore = step.Saving;
            }
        }
        return moves.OrderBy(m => m.HarmPerSaving).ThenBy(m => m.Step).ThenBy(m => m.Knob.Knob.Key, StringComparer.Ordinal).ToList();
    }
}
