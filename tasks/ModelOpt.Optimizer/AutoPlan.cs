using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.Validation.Data;
using ModelOpt.Engine.Passes.Freeze;
using ModelOpt.Engine.Passes.LowRank;
using ModelOpt.Engine.Passes.Prune;
using ModelOpt.Engine.Passes.Refit;
using ModelOpt.Engine.Passes.Separable;
using ModelOpt.Engine.Plan;
using ModelOpt.Validation;

namespace ModelOpt.Optimizer;

/// <summary>
/// What <c>optimize MODEL --data DIR</c> does when no pass is named: every plan that may pay on the
/// model is run as a whole optimization of its own, by expected payoff (the int8 search that fits
/// the model — dynamic int8 for MatMul/Gemm where they outnumber the convs, static otherwise, which
/// weighs each MatMul/Gemm dynamic against static — with the largest share of the time; then freeze,
/// fp16 and share-weights; then, on a transformer, the static search;
/// then the search over the passes that remove MACs in what is left), each under the output budgets
/// or the default fidelity floor and, for the searches, with the samples split to calibrate, choose
/// and confirm. The models they wrote
/// are then timed against the original, interleaved, on one of the user's samples; the fastest
/// beyond the noise is written, else the smallest that is no slower, else the original with one
/// line saying why nothing paid (<see cref="PlanChoice"/>: a model too small to time is chosen for
/// by size alone). The whole plan shares the search's time limit.
/// </summary>
public static class AutoPlan
{
    /// <summary>A plan to try: its name for the log and the options it runs with.</summary>
    private sealed record Plan(string Name, OptimizeOptions Options, double TimeShare = 0);

    /// <summary>What a plan gave: the model it wrote (null: none, <see cref="Why"/> says why).</summary>
    private sealed record Tried(Plan Plan, OptimizeResult? Result, string? Why, string? Path)
    {
        public TimedCandidate? Timing { get; set; }
    }

    // The time kept back from the plans for the final timing and writing, and for the last search's
    // overrun: a search checks its limit between validations, then confirms its choice (on MiniLM
    // the MAC-saving search's profile took 102 s of its 96). 40 s of the default 5 minutes.
    private const double ReserveShare = 0.14, MaxReserveSeconds = 40;

    // Shares of the time limit: the int8 search that fits the model, then the other kind (the MAC-saving search takes what is left).
    private const double FirstShare = 0.45, SecondShare = 0.25;

    /// <summary>
    /// No pass named anywhere (not on the command line or in MSBuild metadata — <c>none</c> names
    /// re-serializing — nor in the config), no search asked for, and real samples given: the user
    /// asks the tool to do its best. Without data nothing could be judged but noise, so the model is
    /// re-serialized as before.
    /// </summary>
    public static bool AppliesTo(OptimizeOptions options, OptimizeConfig config) =>
        options.Passes is null && config.Passes.Count == 0 && !options.Search && (options.DataPath ?? config.Calibration?.Data) is not null;

    public static OptimizeResult Run(OptimizeOptions options, OptimizeConfig config, PassRegistry registry)
    {
        var clock = Stopwatch.StartNew();
        var lines = new List<string>();
        var warnings = new List<ModelOptWarning>();
        string data = options.DataPath ?? config.Calibration!.Data!;
        // The lock is the whole plan's: a matching one replays the plan it chose, with no trial and no timing.
        var budgets = BudgetSet.FromConfig(config.Budgets, config.SourcePath ?? "modelopt.json").With(options.Budgets);
        var cpu = options.DeployCpu ?? config.File.DeployCpu ?? DeployCpu.Portable;
        var planLock = PlanLock.Open(options, config, budgets, [], cpu, data, registry.Names.ToList(), lines, warnings);
        if (planLock?.Replay is { } replay)
        {
            var replayed = OptimizeJob.Run(options with { Passes = replay.Plan.Passes.Count == 0 ? ["none"] : replay.Plan.Passes, OpenedLock = planLock, Lock = LockUse.Off, LockPath = null }, registry);
            return replayed with { Notes = [.. lines, .. replayed.Notes], Warnings = [.. warnings, .. replayed.Warnings] };
        }
        // Each plan is a trial: only the plan chosen is locked, by this run.
        options = options with { Lock = LockUse.Off, LockPath = null, Locked = false };
        var plans = Plans(options, config, data, lines);
        var temp = Directory.CreateTempSubdirectory("modelopt-auto-");
        try
        {
            var tried = new List<Tried>();
            // What the first whole-model plan took: each of the others (a build and a validation on
            // every sample) costs about as much, and one started with less time left overruns the limit.
            double? wholeModel = null;
            for (int i = 0; i < plans.Count; i++)
            {
                var plan = plans[i];
                double reserve = Math.Min(MaxReserveSeconds, options.SearchTime.TotalSeconds * ReserveShare);
                double left = options.SearchTime.TotalSeconds - clock.Elapsed.TotalSeconds - reserve;
                if (left < (plan.TimeShare > 0 ? 30 : Math.Max(5, wholeModel ?? 0)))
                {
                    tried.Add(new Tried(plan, null, $"not tried: the time limit ({OptionNames.SearchTime.Name}) was spent", null));
                    continue;
                }
                // Each plan's model is timed below, with the others, interleaved: not once more on its own.
                var run = plan.Options with { OutputPath = Path.Combine(temp.FullName, $"plan{i}.onnx"), MeasureLatency = false };
                // A search's limit does not cover the confirmation of its choice on the held-out samples,
                // nor the step back to a less aggressive choice when that breaks a budget (a build and a
                // validation each: on BlazeFace-back three of them took 290 s after a 270 s search), so
                // the search that takes what is left gets half of it.
                double share = plan.TimeShare >= 1 ? left / 2 : options.SearchTime.TotalSeconds * plan.TimeShare;
                if (plan.TimeShare > 0) run = run with { SearchTime = TimeSpan.FromSeconds(Math.Max(10, Math.Min(left, share))) };
                options.SearchProgress?.Invoke($"automatic plan: trying {plan.Name} ({clock.Elapsed.TotalSeconds:0} s so far).");
                var started = clock.Elapsed;
                tried.Add(Try(plan, run, registry));
                if (plan.TimeShare == 0) wholeModel ??= (clock.Elapsed - started).TotalSeconds;
            }

            var timed = tried.Where(t => t.Path is not null).ToList();
            if (timed.Count > 0) Time(options, config, data, timed, clock);
            var (chosen, untimed) = Choose(tried);
            // Said before the plans' lines: the notes of a run that writes the original leave those out (the warning lists them).
            if (untimed is not null) lines.Add($"automatic plan: {untimed}");
            foreach (var t in tried) lines.Add($"automatic plan: {t.Plan.Name}: {Describe(t)}.");
            if (chosen is null)
            {
                var original = OptimizeJob.Run(options with { Passes = ["none"] }, registry);
                string why = $"automatic plan: nothing paid on this model, so the original is written unchanged ({string.Join("; ", tried.Select(t => $"{t.Plan.Name}: {Describe(t)}"))}; {clock.Elapsed.TotalSeconds:0} s).";
                var notes = lines.Take(lines.Count - tried.Count).ToList();
                // "Nothing pays" is a decision too: the next build writes the original without trying again.
                var nothing = OptimizationPlan.Of([], cpu);
                planLock?.Write(nothing, budgets, original.Validation, notes, warnings);
                return original with
                {
                    Notes = [.. notes, .. original.Notes],
                    Warnings = [.. warnings, .. original.Warnings, new ModelOptWarning(WarningCode.NoGain, options.ModelPath, why)],
                    Plan = nothing,
                    LockPath = planLock?.Path,
                };
            }
            var result = chosen.Result!;
            lines.Add($"automatic plan: chose {chosen.Plan.Name} ({Gain(chosen, forSpeed: untimed is null && chosen.Timing!.IsFaster)}) in {clock.Elapsed.TotalSeconds:0} s.");
            // The plan as chosen, with the pass sections its trial ran with beyond the user's (dynamic int8).
            var lockedPlan = result.Plan is { } p && chosen.Plan.Options.PassSettings != options.PassSettings && chosen.Plan.Options.PassSettings is { } own
                ? p with { Settings = PlanSettings.Merge(p.Settings, JsonNode.Parse(own) as JsonObject) } : result.Plan;
            // The lock first: a build's output must not be older than the lock it came from.
            if (lockedPlan is not null) planLock?.Write(lockedPlan, budgets, result.Validation, lines, warnings);
            ModelWriter.Save(ModelLoader.Load(chosen.Path!), options.OutputPath);
            return result with
            {
                OutputPath = options.OutputPath,
                OutputBytes = FileLength.Of(options.OutputPath),
                Notes = [.. lines, .. result.Notes],
                Warnings = [.. warnings, .. result.Warnings],
                Plan = lockedPlan,
                LockPath = planLock?.Path,
            };
        }
        finally
        {
            try
            {
                temp.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is no reason to fail a run that wrote its model.
            }
        }
    }

    private static Tried Try(Plan plan, OptimizeOptions run, PassRegistry registry)
    {
        try
        {
            var result = OptimizeJob.Run(run, registry);
            if (!result.Passes.Any(p => p.Changed)) return new Tried(plan, result, $"changed nothing{WhyUnchanged(result)}", null);
            // A search that chose nothing leaves the freeze plan's model: timing it twice says nothing new.
            if (plan.Name != FreezePass.PassName && !result.Passes.Any(p => p.Changed && p.Pass != FreezePass.PassName))
                return new Tried(plan, result, $"changed nothing beyond freeze{WhyUnchanged(result)}", null);
            return new Tried(plan, result, null, run.OutputPath);
        }
        catch (ModelOptException e)
        {
            // One plan that cannot be made (a rewrite that breaks the floor, or that ONNX Runtime
            // refuses) leaves the others standing.
            return new Tried(plan, null, FirstLine(e.Message), null);
        }
    }

    // What a plan that wrote the original said about it: the pass it left out (int8 slower), or what its search chose.
    private static string WhyUnchanged(OptimizeResult result)
    {
        // The search's own words first (int8 slower, time ran out), then a pass left out, then "gained nothing".
        string? why = result.SearchLog.LastOrDefault(l => l.StartsWith("speed check: int8 is ", StringComparison.Ordinal) || l.StartsWith("search: chose no rewrite;", StringComparison.Ordinal))
            // What the samples can resolve is said once for the run, not as why a plan changed nothing.
            ?? result.Warnings.Where(w => w.Code != WarningCode.SamplesCannotResolveBudget).OrderBy(w => w.Code == WarningCode.NoGain).Select(w => w.Message).FirstOrDefault()
            ?? result.SearchLog.LastOrDefault(l => l.StartsWith("search: chose", StringComparison.Ordinal));
        return why is null ? "" : $" ({FirstLine(why).TrimEnd('.')})";
    }

    /// <summary>The static int8 search's name in the plan's lines.</summary>
    public const string StaticPlanName = "search (int8: static, each MatMul/Gemm static or dynamic)";

    private static List<Plan> Plans(OptimizeOptions options, OptimizeConfig config, string data, List<string> lines)
    {
        var freeze = new Plan("freeze", options with { Passes = [FreezePass.PassName] });
        var cheap = new List<Plan>
        {
            freeze,
            new("fp16", options with { Passes = [FreezePass.PassName, "fp16"] }),
            new("share-weights", options with { Passes = [FreezePass.PassName, "share-weights"] }),
        };
        var budgets = BudgetSet.FromConfig(config.Budgets, config.SourcePath ?? "modelopt.json").With(options.Budgets);
        BudgetSet? search = budgets.NeedsOutputs ? options.Budgets
            : FidelityFloor.AppliesTo(budgets, options.FidelityFloor) ? options.Budgets.With(FloorBudget(options, data)) : null;
        if (search is null)
        {
            lines.Add("automatic plan: the searches are not tried: they need an output budget, and the default fidelity floor is switched off.");
            return cheap;
        }
        // By expected payoff: on a CPU int8 pays most often, so the kind that fits the model's layers
        // goes first, with the largest share of the time — dynamic where MatMul/Gemm layers outnumber
        // the convs (transformers), static otherwise. The cheap whole-model plans (a validation each)
        // come next, so a slow machine still gets to them; then the other int8, then the passes that
        // remove MACs in what is left. No search takes the whole limit.
        var (dynamicLayers, convs) = Layers(options.ModelPath);
        bool dynamicFirst = dynamicLayers > convs;
        // Static int8, each MatMul/Gemm weighed dynamic against static (QuantizePass's knobs). Where
        // MatMul/Gemm layers outnumber the convs its layers are mostly dynamic first, and its probe does
        // not time their segments either, for the reason below (MiniLM: every segment "saved no time"
        // and the search chose nothing); the static alternatives are timed on the walk's choice.
        var staticInt8 = new Plan(StaticPlanName, options with
        {
            Passes = [FreezePass.PassName, QuantizePass.PassName],
            Search = true,
            Budgets = search,
            SearchTimesSegments = !dynamicFirst,
        }, dynamicFirst ? SecondShare : FirstShare);
        // Dynamic int8 layers save in proportion to their multiply-adds and the plan times the whole
        // choice below: the search's probe does not time its segments (SearchTimesSegments).
        var dynamicInt8 = new Plan("search (dynamic int8 for MatMul/Gemm)", options with
        {
            Passes = [FreezePass.PassName, QuantizePass.PassName],
            Search = true,
            Budgets = search,
            PassSettings = WithDynamicMode(options.PassSettings),
            SearchTimesSegments = false,
        }, dynamicFirst ? FirstShare : SecondShare);
        // Where convs outnumber MatMul/Gemm, the static search already weighs each of those dynamic:
        // a dynamic-only search would add a build and a validation per trial to time a subset of it.
        var plans = new List<Plan> { dynamicFirst ? dynamicInt8 : staticInt8 };
        plans.AddRange(cheap);
        if (dynamicFirst) plans.Add(staticInt8);
        plans.Add(new("search (prune, separable, lowrank, refit)", options with
        {
            Passes = [FreezePass.PassName, PrunePass.PassName, SeparablePass.PassName, LowRankPass.PassName, RefitPass.PassName],
            Search = true,
            Budgets = search,
        }, 1));
        return plans;
    }

    // The floor as a budget the search can aim at: accuracy with labels, else cosine (docs/validation.md).
    private static BudgetSet FloorBudget(OptimizeOptions options, string data) =>
        FidelityFloor.AsBudgets(labels: options.LabelsPath is not null || LabelFile.FindIn(data) is not null);

    // How many layers dynamic int8 could take, and how many convs the model has (which only static int8 takes).
    private static (int Dynamic, int Convs) Layers(string modelPath)
    {
        var model = ModelLoader.Load(modelPath);
        int dynamic = DynamicQuantizer.Targets(model, new PassContext(modelPath), new QuantizeSettings { Mode = QuantizeMode.Dynamic }).Count;
        return (dynamic, model.Graph.AllNodes().Count(n => n.OpType == "Conv"));
    }

    private static string WithDynamicMode(string? given)
    {
        var root = given is null ? new JsonObject() : JsonNode.Parse(given) as JsonObject ?? new JsonObject();
        if (root["quantize"] is not JsonObject quantize)
        {
            quantize = new JsonObject();
            root["quantize"] = quantize;
        }
        quantize["mode"] = "dynamic";
        return root.ToJsonString();
    }

    private static void Time(OptimizeOptions options, OptimizeConfig config, string data, List<Tried> timed, Stopwatch clock)
    {
        var session = OrtSessionSettings.From(options.Runtime.Over(config.Runtime));
        var model = ModelLoader.Load(options.ModelPath);
        using var samples = SampleSet.FromFolder(data, model, 1);
        var inputs = samples.Batches(1).First();
        double seconds = Math.Clamp(options.SearchTime.TotalSeconds - clock.Elapsed.TotalSeconds, 5, 15);
        var results = InterleavedTiming.Measure(options.ModelPath, timed.Select(t => (t.Plan.Name, t.Path!)).ToList(), inputs, Validation.Comparison.DecisionClock.For(session), TimeSpan.FromSeconds(seconds));
        for (int i = 0; i < timed.Count; i++) timed[i].Timing = results[i];
    }

    /// <summary>The plan <see cref="PlanChoice"/> picks, with the line it gives where the model is too small to be chosen for by speed.</summary>
    private static (Tried? Chosen, string? Note) Choose(IReadOnlyList<Tried> tried)
    {
        var (chosen, note) = PlanChoice.Choose(tried.Select(t => new PlanChoice.Option(t.Timing, t.Result?.OutputBytes ?? 0, t.Result?.SourceBytes ?? 0)).ToList());
        return (chosen is int i ? tried[i] : null, note);
    }

    private static string Describe(Tried t)
    {
        if (t.Why is not null) return t.Why;
        var timing = t.Timing!;
        string speed = timing.IsFaster ? "faster" : timing.IsSlower ? "slower" : "no faster beyond the noise";
        return $"{speed}, {timing.Describe()}; {Size(t.Result!)}{Fidelity(t.Result!)}";
    }

    // Why it was chosen first: faster beyond the noise, or (no faster, or the model too short to time) for its size.
    private static string Gain(Tried t, bool forSpeed) =>
        $"{(forSpeed ? "faster" : "for its size")}: {t.Timing!.Speedup:0.00}× the original's speed, {Size(t.Result!)}{Fidelity(t.Result!)}";

    private static string Size(OptimizeResult r) =>
        $"size {Quantity.Format(r.SourceBytes, QuantityKind.Bytes)} → {Quantity.Format(r.OutputBytes, QuantityKind.Bytes)}";

    private static string Fidelity(OptimizeResult r) => r.Validation?.Comparison is { Samples: > 0 } c
        // One sign everywhere: the change in accuracy, optimized − original, as the summary line reads it.
        ? c is { BaselineAccuracy: double a, CandidateAccuracy: double b } ? $", accuracy {ReportNumbers.AccuracyChange(a, b)} on {c.SampleDescription}" : $", cosine {c.MinCosine:0.#####} on {c.SampleDescription}"
        : "";

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).TrimEnd(':');
    }
}
