using System.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Sensitivity;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// The MAC-saving knobs listed again, each pass's on the model it receives with the settings
/// chosen so far (earlier passes applied and refit), and profiled there: a knob's saving and harm
/// measured on the original layer go stale once an earlier pass shrank it.
/// </summary>
internal sealed class KnobRelisting(SearchRequest request, SearchPlan plan, TrialEvaluator trials, SearchLog log)
{
    /// <summary>
    /// Lists and profiles the knobs again on the model <paramref name="chosen"/> makes. Returns the chosen
    /// settings as steps of the new ladders and the moves still open, ranked; a knob in
    /// <paramref name="stuck"/>, or whose chosen setting the new ladder lacks, keeps its old listing and gets no moves.
    /// </summary>
    public (Dictionary<string, int> Chosen, List<RankedMove> Moves) Run(Dictionary<string, int> chosen, IReadOnlySet<string> stuck)
    {
        var clock = Stopwatch.StartNew();
        log.Doing("listing and profiling the knobs again on the model the choice so far makes");
        var pipeline = request.Registry.Parse(string.Join(',', plan.PassesFor(plan.Assignment(chosen)))).ToList();
        int last = pipeline.FindLastIndex(p => p is IKnobProvider { Saves: KnobSaving.Macs });
        var received = new List<(IKnobProvider Pass, Engine.IR.Model Received)>();
        var built = CandidateBuilder.Build(request.ModelPath, plan.ConfigFor(plan.Assignment(chosen)), pipeline.Take(last).ToList(), request.Validation.Bindings, request.Calibration,
            (pass, model) => { if (pass is IKnobProvider { Saves: KnobSaving.Macs } k) received.Add((k, ModelCopy.Of(model))); });
        received.Add(((IKnobProvider)pipeline[last], built.Model));
        var sets = KnobCatalog.For(received, request.Config, request.Validation.Bindings, request.ModelPath);
        var profile = SensitivityProfile.Measure(sets.Select(s => new SensitivityProfile.KnobSet(s.Pass.Saves, s.Model, s.Knobs)).ToList(), request.Calibration!, request.Validation.Seed);
        var result = new Dictionary<string, int>(chosen);
        var open = new HashSet<string>(StringComparer.Ordinal);
        foreach (var knob in profile.Knobs.Select(k => k.Knob))
        {
            if (stuck.Contains(knob.Key)) continue;
            if (chosen.TryGetValue(knob.Key, out int step))
            {
                var setting = plan.Knob(knob.Key).Ladder[step].Settings;
                int at = knob.Ladder.ToList().FindIndex(s => System.Text.Json.Nodes.JsonNode.DeepEquals(s.Settings, setting));
                if (at < 0) continue;
                result[knob.Key] = at;
            }
            plan.Relist(knob);
            open.Add(knob.Key);
        }
        var moves = profile.Ranked(KnobSaving.Macs).Where(m => open.Contains(m.Knob.Knob.Key) && m.Step > result.GetValueOrDefault(m.Knob.Knob.Key, -1)).ToList();
        trials.ProfileTook(clock.Elapsed.TotalSeconds);
        log.Write($"search: knobs listed again on the chosen model ({clock.Elapsed.TotalSeconds:0.#} s): {moves.Count} setting(s) of {moves.Select(m => m.Knob.Knob.Key).Distinct().Count()} knob(s) still open"
            + (moves.Count > 0 ? $"; least harm per saving: {string.Join(", ", moves.Take(3).Select(m => $"{m.Knob.Knob.Key} {m.Knob.Knob.Ladder[m.Step].Label}"))}." : "."));
        return (result, moves);
    }
}
