using System.Globalization;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Sensitivity;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// What each stretch of the network does to the output and to the run time when its layers take
/// their first setting, measured rather than estimated. The profile measures a layer's error where
/// it is made (1 / SQNR of its output, float inputs), and prices a layer by the cost model; the
/// budget sees the error after every layer below it, and the user sees wall-clock time. A stem conv
/// at high resolution and a head conv can have the same local error and very different effects on
/// the output (on PP-OCR det the stem's errors add up and grow through the backbone), and int8
/// saves time on a conv with many channels but not on a thin one at high resolution, where the
/// Q/DQ traffic eats the gain. So the probe cuts the candidate layers, in graph order, into a few
/// contiguous segments, applies the first setting of every knob in one segment only, and measures
/// that model on a few of the search's samples: its output error, and its latency interleaved with
/// the original's under the user's session options — a handful of full runs, not one per layer.
/// Each layer's harm is scaled by its segment's gain (measured output error over the sum of local
/// errors), so the ranking keeps the per-layer detail with the segment's measured totals. The clock
/// decides only which segments save time at all; a layer's saving in the ranking stays the cost
/// model's. A measured saving moves by a few percent from run to run, and the ranking divides harm
/// by saving: layers of similar ratio swapped places between two runs of the same command and the
/// walk, taking them in order, chose different plans (PP-OCR rec, three runs, three plans).
/// </summary>
internal static class PropagationProbe
{
    /// <summary>Segments below this many knobs each would cost more validations than they tell apart.</summary>
    private const int MinKnobsPerSegment = 4;

    private const int MaxSegments = 8;

    /// <summary>What the probe measured of one segment's model; <paramref name="KeptBudgets"/>: whether it kept the output budgets on the probe's samples.</summary>
    public sealed record Measurement(double OutputHarm, double? SecondsSaved, bool KeptBudgets = true);

    /// <summary>One segment as the probe measured it.</summary>
    public sealed record Segment(IReadOnlyList<KnobProfile> Knobs, double LocalHarm, Measurement Measured)
    {
        /// <summary>Output error per unit of local error (1 when the local error is zero).</summary>
        public double Gain => LocalHarm > 0 ? Measured.OutputHarm / LocalHarm : 1;

        /// <summary>Its layers int8 and nothing else already broke the output budgets.</summary>
        public bool BrokeAlone => !Measured.KeptBudgets;

        public string Describe() => string.Format(CultureInfo.InvariantCulture,
            "{0} … {1} ({2} layer(s)): output 1−cosine {3:0.###e0} alone (local sum {4:0.###e0}, gain ×{5:0.##}){6}{7}",
            Knobs[0].Knob.Node, Knobs[^1].Knob.Node, Knobs.Count, Measured.OutputHarm, LocalHarm, Gain,
            Measured.SecondsSaved is double saved ? string.Format(CultureInfo.InvariantCulture, ", saves {0:0.##} ms per run", saved * 1000) : "",
            BrokeAlone ? ", breaks the output budgets alone" : "");
    }

    /// <summary>
    /// Contiguous segments of the measured knobs in <paramref name="model"/>'s node order, or none
    /// when there are too few knobs for the probe to pay for itself.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<KnobProfile>> Segments(IReadOnlyList<KnobProfile> knobs, Model model)
    {
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        int index = 0;
        foreach (var node in model.Graph.Nodes)
            if (node.Name.Length > 0) position.TryAdd(node.Name, index++);
        var ordered = knobs.Where(k => k.Measured)
            .OrderBy(k => k.Knob.Members.Select(m => position.GetValueOrDefault(m, int.MaxValue)).Min())
            .ToList();
        int count = Math.Min(MaxSegments, ordered.Count / MinKnobsPerSegment);
        if (count < 2) return [];
        var segments = new List<IReadOnlyList<KnobProfile>>();
        for (int s = 0; s < count; s++)
        {
            int from = s * ordered.Count / count, to = (s + 1) * ordered.Count / count;
            segments.Add(ordered.GetRange(from, to - from));
        }
        return segments;
    }

    /// <summary>Measures each segment with <paramref name="measure"/> (the model with the first setting of every knob in the segment and nothing else).</summary>
    public static IReadOnlyList<Segment> Measure(IReadOnlyList<IReadOnlyList<KnobProfile>> segments, Func<IReadOnlyList<KnobProfile>, int, Measurement> measure) =>
        segments.Select((knobs, s) => new Segment(knobs, knobs.Sum(k => k.Steps[0].Harm), measure(knobs, s))).ToList();

    /// <summary>
    /// The profile as the segments measured it. Harm: a knob's own harm times its segment's gain; a
    /// segment whose layers showed no local error but whose output did shares that error equally,
    /// so they are not ranked as free. Saving: the knob's
    /// cost model's saving, unless the segment saved no time: then its knobs get no saving, which ranks
    /// them last (and <see cref="WithoutTimeLost"/> leaves them out). Knobs outside every segment keep
    /// what the profile measured.
    /// </summary>
    public static SensitivityProfile Apply(SensitivityProfile profile, IReadOnlyList<Segment> segments)
    {
        var bySegment = new Dictionary<string, Segment>(StringComparer.Ordinal);
        foreach (var segment in segments)
            foreach (var knob in segment.Knobs) bySegment[knob.Knob.Key] = segment;
        return profile.Rescaled((knob, step) =>
        {
            if (!bySegment.TryGetValue(knob.Knob.Key, out var segment)) return step;
            double harm = double.IsNaN(step.Harm) ? step.Harm
                : segment.LocalHarm > 0 ? step.Harm * segment.Gain
                : Math.Max(step.Harm, segment.Measured.OutputHarm / segment.Knobs.Count);
            // The clock says only whether the segment saves time; how much each layer saves stays the
            // cost model's, so the ranking (and the walk down it) is the same on every run.
            double saving = segment.Measured.SecondsSaved is double saved && saved <= 0 ? 0 : step.Saving;
            return step with { Harm = harm, Saving = saving };
        });
    }

    /// <summary>
    /// <paramref name="moves"/> with the settings of every segment whose int8 alone broke the output
    /// budgets moved to the end, each part in its own order. Inside such a segment the layers' errors
    /// do not add up the way the ranking's per-layer harm assumes (PP-OCR det's first segment: 2.05e-2
    /// at the output alone, against a 1e-2 budget, from twelve layers each ranked as mild), so a walk
    /// that takes them in ranked order spends the budget on a few of them early, then meets three
    /// breakers in a row and stops with the mild layers of the later segments untried: 48 of 93 layers
    /// int8 (1.66×). With that segment last the walk took 87 (1.96×), the confirmation as good. The
    /// verdict is on the probe's samples and the budgets themselves, so it is the same on every run.
    /// Where every segment broke alone, there is nothing to tell apart and the order stays.
    /// </summary>
    public static List<RankedMove> RiskyLast(IReadOnlyList<RankedMove> moves, IReadOnlyList<Segment> segments)
    {
        if (segments.Count == 0 || segments.All(s => s.BrokeAlone) || !segments.Any(s => s.BrokeAlone)) return [.. moves];
        var risky = BrokeAlone(segments);
        return [.. moves.Where(m => !risky.Contains(m.Knob.Knob.Key)), .. moves.Where(m => risky.Contains(m.Knob.Knob.Key))];
    }

    /// <summary>The knob keys of the segments whose int8 alone broke the output budgets.</summary>
    public static HashSet<string> BrokeAlone(IReadOnlyList<Segment> segments) =>
        segments.Where(s => s.BrokeAlone).SelectMany(s => s.Knobs).Select(k => k.Knob.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The ranked time-saving moves less those with no saving left after <see cref="Apply"/>: a
    /// segment the probe timed as no faster in int8 would only cost fidelity, yet a budget with room
    /// takes every ranked setting, the last ones too. ISNet's full-resolution first segment ran
    /// 25 ms slower in int8 at 320² in one search.
    /// </summary>
    public static List<RankedMove> WithoutTimeLost(IReadOnlyList<RankedMove> moves) => moves.Where(m => m.Saving > 0).ToList();
}
