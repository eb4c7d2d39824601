using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// Builds and judges the search's trials (<see cref="SearchRequest.Judge"/>), one choice at a time,
/// and keeps their account: the time each took (and which layer's setting it decided, for the
/// log's "time spent"), and every choice a trial validated, in the order the search took them,
/// for the step back (<see cref="Fallbacks"/>). It also times one trial's model against
/// another's (<see cref="TimeStructure"/>) for the speed choices.
/// </summary>
internal sealed class TrialEvaluator
{
    private readonly SearchRequest _request;
    private readonly SearchPlan _plan;
    private readonly SearchLog _log;
    private readonly Func<SearchTrial, TrialOutcome> _judge;
    private readonly List<(string What, double Seconds)> _spent = [];
    // Seconds of full validations per layer at the boundary being tested (the layer whose setting a bisection step decided).
    private readonly Dictionary<string, double> _spentOn = new(StringComparer.Ordinal);
    // Every choice a trial validated, in the order the search took them: where the confirmation
    // breaks a budget, the run steps back along these.
    private readonly List<(Dictionary<string, int> Plan, JudgedTrial Trial)> _validated = [];
    // Of the trials that reached the static budgets, the one closest to the output budgets: what a failure names.
    private readonly ClosestRefusedPlan _refused = new();

    public TrialEvaluator(SearchRequest request, SearchPlan plan, SearchLog log)
    {
        _request = request;
        _plan = plan;
        _log = log;
        _judge = request.Judge ?? (trial => TrialJudge.Build(trial, request));
        OutputBudgets = request.Budgets.Where(d => d.NeedsOutputs);
    }

    /// <summary>The budgets a trial of the search is judged by (the final check adds the rest).</summary>
    public BudgetSet OutputBudgets { get; }

    /// <summary>Counts a sensitivity profile's time in the search's account.</summary>
    public void ProfileTook(double seconds) => _spent.Add((Profile, seconds));

    /// <summary>Charges the last validation's time to the layer whose setting it decided.</summary>
    public void Decided(string key) => _spentOn[key] = _spentOn.GetValueOrDefault(key) + _spent[^1].Seconds;

    private const string Profile = "sensitivity profile";

    /// <summary>
    /// Builds and judges <paramref name="assignment"/> on the output budgets, or on
    /// <paramref name="budgets"/> where given (the final check, which keeps the model it built), and
    /// writes the validation's line. A probe passes its own validation settings (fewer samples, maybe
    /// latency runs) and gets them as they are. A trial whose rewrite does not run (or whose pass
    /// breaks on it) is not kept, with the reason: the bisection and the walk then leave its setting
    /// out like one that breaks a budget. Only the final check (every budget) lets such a failure
    /// through, as the run itself would.
    /// </summary>
    public JudgedTrial Evaluate(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment, BudgetSet? budgets, string what, ValidationSettings? probe = null)
    {
        var validation = probe ?? _request.Validation with { Comparison = _request.Validation.Comparison with { LatencyRuns = budgets?.NeedsLatency == true ? _request.Validation.Comparison.LatencyRuns : 0 } };
        var started = _log.Elapsed;
        int number = _spent.Count;
        _log.Doing($"validation {number}: {what}");
        var trial = new SearchTrial(_request.ModelPath, _plan.ConfigFor(assignment), _plan.PassesFor(assignment), assignment, budgets ?? OutputBudgets, validation);
        TrialOutcome outcome;
        try
        {
            outcome = _judge(trial);
        }
        catch (Exception e) when (budgets is null && RejectedRewrite.Reason(e, _request.ModelPath) is { } why)
        {
            double lost = (_log.Elapsed - started).TotalSeconds;
            _spent.Add((what, lost));
            _log.Write($"validation {number}: {what}: left out, {why} ({lost:0.#} s)");
            var none = new ModelFootprint(null, 0, 0, []);
            return new JudgedTrial(new ValidationReport("", "", none, none, null, [], [], [why]), double.PositiveInfinity, null) { Rejected = why };
        }
        var report = outcome.Report;
        // Kept only where the confirmation on unseen samples would keep it too (the winner's curse).
        // Probes judge on a handful of samples and decide nothing by the budgets: no forecast there.
        if (probe is null) report = report with { Verdicts = ConfirmationForecast.Apply(report.Verdicts, report.Comparison, _request.ConfirmationSamples, _request.Budgets.CosinePercentile) };
        var c = report.Comparison;
        double harm = c is null ? 0 : c.AccuracyDrop ?? 1 - c.MinCosine;
        var result = new JudgedTrial(report, harm, budgets is null ? null : outcome.Candidate);
        double seconds = (_log.Elapsed - started).TotalSeconds;
        _spent.Add((what, seconds));
        if (probe is null) _log.Validated(seconds);
        if (probe is null && budgets is null && result.Kept) _validated.Add((SearchPlan.Chosen(assignment), result));
        if (probe is null && budgets is null && result.Rejected is null && StaticVerdicts(result) is { Count: > 0 } statics) _refused.Offer(result.Report, statics.All(v => v.Kept));
        // A model the cost model cannot count whole (an op it does not know) has no FLOP figure: never print it as 0.
        _log.Write($"validation {number}: {what}: {result.HarmText}, FLOPs {(result.Flops is long flops ? Quantity.Format(flops, QuantityKind.Flops) : "not counted")}"
            + $" — {(result.Kept ? "keeps the budgets" : "breaks " + result.BrokenKeys)} ({seconds:0.#} s)");
        return result;
    }

    /// <summary>
    /// The choices validated before the final one, most aggressive first, as the run can rebuild
    /// them: each kept trial of the bisection or the walk that is a strict part of the final choice
    /// (a step back gives up settings; it never swaps one for another the search did not confirm
    /// together). At most <see cref="MaxFallbacks"/>: each costs the run one more confirmation.
    /// </summary>
    public IReadOnlyList<SearchFallback> Fallbacks(Dictionary<string, int> final)
    {
        static string Key(Dictionary<string, int> plan) => string.Join(";", plan.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        // The original is no step back: it keeps no saving the user asked for.
        bool Within(Dictionary<string, int> plan) => plan.Count > 0 && Key(plan) != Key(final)
            && plan.All(p => final.TryGetValue(p.Key, out int step) && p.Value <= step);
        var result = new List<SearchFallback>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Most settings first (the walk's and the bisection's kept choices only grow, so this is their
        // order; the structure phase validates a layout with one layer float before one with five).
        var order = Enumerable.Range(0, _validated.Count).OrderByDescending(i => _validated[i].Plan.Count)
            .ThenByDescending(i => _validated[i].Plan.Values.Sum()).ThenByDescending(i => i);
        foreach (int i in order)
        {
            if (result.Count >= MaxFallbacks) break;
            var (plan, trial) = _validated[i];
            // It must keep the FLOP and parameter budgets as well, or confirming it is time lost.
            if (!Within(plan) || StaticVerdicts(trial).Any(v => !v.Kept)) continue;
            if (!seen.Add(Key(plan))) continue;
            result.Add(new SearchFallback(_plan.ConfigFor(_plan.Assignment(plan)), _plan.OutcomePasses(plan), plan.Count == 0 ? "no rewrite" : _plan.Describe(plan)));
        }
        return result;
    }

    private const int MaxFallbacks = 3;

    /// <summary>Where no choice keeps every budget, the sentence naming the closest plan that reached the static budgets (<see cref="ClosestRefusedPlan"/>), or null.</summary>
    public string? ClosestRefused => _refused.Describe();

    /// <summary>The trial's verdicts on the budgets only the MAC-saving passes move (int8 keeps FLOPs and parameters, but shrinks the file).</summary>
    public IReadOnlyList<BudgetVerdict> StaticVerdicts(JudgedTrial trial) =>
        BudgetValidator.Measure(trial.Report.BaselineFootprint, trial.Report.CandidateFootprint, null)
            .Evaluate(_request.Budgets.Where(d => d == BudgetDefinition.MaxFlops || d == BudgetDefinition.MinFlopReduction || d == BudgetDefinition.MaxParams));

    /// <summary>Where the search's time went, for its log and its messages: profiles, full validations, and the layers whose settings cost the most to decide.</summary>
    public string TimeSpent()
    {
        double profile = _spent.Where(s => s.What == Profile).Sum(s => s.Seconds);
        var validations = _spent.Where(s => s.What != Profile).ToList();
        string layers = string.Join(", ", _spentOn.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:0.#} s"));
        return $"time spent: sensitivity profile {profile:0.#} s, {validations.Count} full validation(s) {validations.Sum(v => v.Seconds):0.#} s"
            + (layers.Length > 0 ? $", deciding {layers}" : "");
    }

    /// <summary>The trial of <paramref name="assignment"/> as it is built, for timing against another.</summary>
    public SearchTrial TrialOf(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment) =>
        new(_request.ModelPath, _plan.ConfigFor(assignment), _plan.PassesFor(assignment), assignment, OutputBudgets, _request.Validation);

    /// <summary>
    /// The margin a layout choice must clear: none beyond its noise (the paired 95 % bound above 1×).
    /// The int8 speed check asks 5 %, since int8 that barely pays is the trap users fall into; a layout
    /// choice is weighed between two int8 models the budgets already judged, and on the decision clock
    /// (noise ~2 %) a 5 % margin cut through real gains: det's integer hard-swish measured 1.05×, 1.07×
    /// and 1.10× in three runs of the same command, and was left in one, taken in two.
    /// </summary>
    internal const double LayoutMargin = 0;

    /// <summary>
    /// The second model's speed-up over the first, from paired interleaved runs on the first of the
    /// samples (<see cref="SearchRequest.TimeStructure"/> in tests). A model whose fastest run is under
    /// <see cref="QuantizationSpeedCheck.SmallModelSeconds"/> is not judged by speed: its run is launch
    /// overhead, and whether a layout clears the margin would follow the machine's load, not the model,
    /// so the same command would lay it out differently on a busy machine.
    /// </summary>
    public (PairedTiming.Verdict Speed, string? TooFast) TimeStructure(SearchTrial first, SearchTrial second)
    {
        if (_request.TimeStructure is { } fake) return (fake(first, second), null);
        Model Build(SearchTrial t) => CandidateBuilder.Build(t.ModelPath, t.Config, _request.Registry.Parse(string.Join(',', t.Passes)), t.Validation.Bindings, _request.Calibration).Model;
        var a = Build(first);
        var b = Build(second);
        var original = ModelLoader.Load(_request.ModelPath);
        ShapeInference.Run(original, _request.Validation.Bindings);
        var inputs = Validation.Data.RunInputs.For(original, _request.ModelPath, _request.Validation.DataPath, _request.Validation.Seed).Tensors;
        var result = QuantizationSpeedCheck.Measure(a, b, inputs, settings: _request.Validation.Session, margin: LayoutMargin);
        var speed = result.Paired ?? PairedTiming.Speedup([result.OriginalMedianSeconds], [result.QuantizedMedianSeconds]);
        return result.TooSmallToTime is double fastest ? (speed, $"not timed: {Validation.Comparison.TimingResolution.Why(fastest)}") : (speed, null);
    }
}
