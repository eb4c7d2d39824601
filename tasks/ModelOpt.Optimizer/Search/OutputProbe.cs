using System.Diagnostics;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Sensitivity;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// The output probe: the profile's ranking checked segment by segment at the output and on the
/// clock (<see cref="PropagationProbe"/>), one validation per segment on a few of the search's
/// samples, and the time-saving settings whose segment saved no time left out of the walk.
/// </summary>
internal sealed class OutputProbe(SearchRequest request, SearchPlan plan, TrialEvaluator trials, SearchLog log)
{
    /// <summary>
    /// The ranked moves with the settings of the segments whose int8 alone broke the output budgets
    /// on the probe moved to the end (<see cref="PropagationProbe.RiskyLast"/>), with a line naming them.
    /// </summary>
    public List<RankedMove> RiskyLast(IReadOnlyList<RankedMove> moves, IReadOnlyList<PropagationProbe.Segment> segments)
    {
        var ordered = PropagationProbe.RiskyLast(moves, segments);
        if (ordered.SequenceEqual(moves)) return ordered;
        var risky = PropagationProbe.BrokeAlone(segments);
        var moved = moves.Where(m => risky.Contains(m.Knob.Knob.Key)).ToList();
        log.Write($"search: {moved.Count} setting(s) of the segment(s) whose int8 alone broke the output budgets go to the end of the list, after the milder segments: {string.Join(", ", moved.Take(5).Select(m => m.Knob.Knob.Node))}{(moved.Count > 5 ? $", … {moved.Count - 5} more" : "")}.");
        return ordered;
    }

    /// <summary>The time-saving moves without those whose segment the probe timed as saving nothing (<see cref="PropagationProbe.WithoutTimeLost"/>), with a line naming them.</summary>
    public List<RankedMove> WithoutTimeLost(IReadOnlyList<RankedMove> moves)
    {
        var kept = PropagationProbe.WithoutTimeLost(moves);
        if (kept.Count < moves.Count)
        {
            var dropped = moves.Except(kept).Select(m => m.Knob.Knob.Node).ToList();
            log.Write($"search: {dropped.Count} int8 setting(s) left out, their segment saved no time: {string.Join(", ", dropped.Take(5))}{(dropped.Count > 5 ? $", … {dropped.Count - 5} more" : "")}.");
        }
        return kept;
    }

    // The search part's first few samples are enough to tell segments apart; the bisection and the walk judge on all of them.
    private const int ProbeSamples = 3;

    // 11 interleaved pairs: the sign test's 95 % bound is then the third smallest difference.
    private const int ProbeLatencyRuns = 11;

    /// <summary>
    /// The time a segment's int8 saves per run: the median of the interleaved pairs' differences,
    /// counted only when their 95 % lower bound is above zero. A segment saves a few percent of a
    /// run, less than what another process adds to some runs: a saving the pairs cannot tell from
    /// noise is none, so the same command ranks the same way on a busy machine as on an idle one
    /// (or more cautiously), rather than taking layers on one lucky run.
    /// </summary>
    internal static double SegmentSaving(IReadOnlyList<double> original, IReadOnlyList<double> candidate)
    {
        var differences = original.Zip(candidate, (a, b) => a - b).ToList();
        return PairedTiming.LowerBound(differences) > 0 ? PairedTiming.Median(differences) : 0;
    }

    /// <summary>
    /// The profile's harms as the output sees them, and for time-saving knobs whether their segment
    /// saves time as the clock sees it (<see cref="PropagationProbe"/>): one validation per segment of
    /// the network, on a few of the search's samples. Returns the profile so weighed and the segments
    /// measured; left as measured (and no segments) if time runs out.
    /// </summary>
    public (SensitivityProfile Profile, IReadOnlyList<PropagationProbe.Segment> Segments) AtOutput(SensitivityProfile profile, KnobSaving saves, Engine.IR.Model basis, Dictionary<string, int> chosen)
    {
        // MAC-saving knobs are priced by MACs, which the cost model counts exactly, and their
        // first steps are often too coarse for a segment's error to stay in the linear range.
        if (saves != KnobSaving.Time) return (profile, []);
        var segments = PropagationProbe.Segments(profile.Knobs.Where(k => k.Saves == saves).ToList(), basis);
        if (segments.Count == 0) return (profile, []);
        // Timed on the decision clock: which segments save time must not follow the machine's load.
        var decisions = DecisionClock.For(request.Validation.Session);
        var probe = request.Validation with
        {
            SampleLimit = Math.Min(request.Validation.SampleLimit ?? int.MaxValue,
                request.Validation.Part == SamplePart.All ? ProbeSamples : SampleSplit.LimitFor(request.Validation.CalibrationSamples, ProbeSamples)),
            AlwaysCompare = true,
            Session = decisions.Session,
            Comparison = request.Validation.Comparison with { LatencyRuns = saves == KnobSaving.Time && request.TimeSegments ? ProbeLatencyRuns : 0, WarmupRuns = 1, LatencyClock = decisions },
        };
        var clock = Stopwatch.StartNew();
        bool cut = false;
        var measured = PropagationProbe.Measure(segments, (knobs, s) =>
        {
            if (cut || log.TimeUp())
            {
                cut = true;
                return new PropagationProbe.Measurement(0, null);
            }
            var assignment = new Dictionary<string, int>(chosen);
            foreach (var knob in knobs) assignment[knob.Knob.Key] = 0;
            var trial = trials.Evaluate(plan.Assignment(assignment), null, $"output probe {s + 1} of {segments.Count}, {knobs.Count} layer(s) from {knobs[0].Knob.Node}", probe);
            var c = trial.Report.Comparison;
            double? saved = c?.BaselineLatency is { Samples.Count: > 0 } a && c.CandidateLatency is { Samples.Count: > 0 } b ? SegmentSaving(a.Samples, b.Samples) : null;
            return new PropagationProbe.Measurement(c is null ? 0 : 1 - c.MinCosine, saved, trial.Kept);
        });
        if (cut)
        {
            log.RanOut();
            log.Write("output probe: the time limit ran out; the ranking stays by each layer's own error and the cost model.");
            return (profile, []);
        }
        foreach (var segment in measured) log.Write($"output probe: {segment.Describe()}");
        log.Write($"output probe: {segments.Count} segment(s) measured in {clock.Elapsed.TotalSeconds:0.#} s; the ranking now weighs each layer's error by its segment's gain"
            + (saves == KnobSaving.Time ? "; a segment that saved no time leaves its layers out." : "."));
        return (PropagationProbe.Apply(profile, measured), measured);
    }
}
