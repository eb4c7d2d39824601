using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.Budgets;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Plan;
using ModelOpt.Engine.Shapes;
using ModelOpt.Validation.Budgets;
using ModelOpt.Validation.Comparison;
using ModelOpt.Validation.Data;
using ModelOpt.Optimizer.Search;
using ModelOpt.Validation;
using ModelOpt.Engine.Passes.Quantize;

namespace ModelOpt.Optimizer;

/// <summary>
/// One optimization run, start to finish: load the model, read the config, infer shapes, (search
/// for per-layer settings,) run the passes with calibration data when a pass needs it, check the
/// result still runs in ONNX Runtime and keeps every budget, and only then write it atomically. The
/// source model is never modified; a broken budget writes nothing.
/// </summary>
public static class OptimizeJob
{
    public static OptimizeResult Run(OptimizeOptions options, PassRegistry? registry = null)
    {
        // Every message of the run names an option as the user of its front end writes it.
        using var words = SettingNames.Use(options.FrontEnd);
        return RunInWords(options, registry ?? PassRegistry.Default);
    }

    private static OptimizeResult RunInWords(OptimizeOptions options, PassRegistry registry)
    {
        var notes = new List<string>();
        var warnings = new List<ModelOptWarning>();
        var leftOut = new List<string>();
        options.Check();
        var config = options.ConfigPath is null ? OptimizeConfig.Empty : OptimizeConfig.Load(options.ConfigPath, registry);
        if (options.PassSettings is { } inline)
            config = config.WithPassSettings(OptimizeConfig.ParsePassSettings(inline, options.PassSettingsSource ?? OptionNames.PassSettings.Name, registry));
        var budgets = BudgetSet.FromConfig(config.Budgets, config.SourcePath ?? "modelopt.json").With(options.Budgets);
        // Nothing named and real data given: the tool does its best by itself (docs/config.md).
        if (AutoPlan.AppliesTo(options, config)) return AutoPlan.Run(options, config, registry);
        IReadOnlyList<string> passNames = options.Passes ?? config.Passes;
        if (options.Passes is null && passNames.Count == 0 && !options.Search)
            notes.Add($"no passes named and no data given: the model is re-serialized unchanged; give samples ({OptionNames.Data.With()}) and the automatic plan tries every pass that may pay.");
        var bindings = ShapeBindings.Parse(options.Shapes).WithValues(config.Values.With(ValueBindings.Parse(options.Values)));
        var state = StatePairs.Of(config.State).With(StatePairs.Parse(options.State));
        // A state output is read by the model itself on the next step, whatever the application reads.
        var used = UsedOutputs.Parse(options.UsedOutputs).Over(config.UsedOutputs).And(state.OutputToInput.Keys);
        config = config.WithUsedOutputs(used).WithDeployCpu(options.DeployCpu);
        var kinds = config.OutputKinds.With(OutputKinds.Parse(options.OutputKinds));
        var deployCpu = config.File.DeployCpu ?? DeployCpu.Portable;
        var runtime = options.Runtime.Over(config.Runtime);
        var session = OrtSessionSettings.From(runtime);
        // Before any work: every latency this run reports is measured under these options.
        session.EnsureAvailable(config.SourcePath ?? options.ModelPath);
        var comparison = new ComparisonSettings { Progress = options.Progress, State = state, Outputs = used.Names, Kinds = kinds };
        var validation = new ValidationSettings
        {
            DataPath = options.DataPath ?? config.Calibration?.Data,
            LabelsPath = options.LabelsPath,
            // Synthetic validation samples must not be the synthetic calibration samples: a model
            // judged on what it was calibrated on looks better than it is.
            Seed = options.Seed + 1,
            Synthetic = config.Calibration?.Synthetic ?? SyntheticKind.Noise,
            Bindings = bindings,
            Comparison = options.MeasureLatency || budgets.NeedsLatency ? comparison : comparison with { LatencyRuns = 0 },
            Session = session,
            MemoryCapBytes = runtime.ResolvedMemoryCapBytes,
        };

        var probe = ModelLoader.Load(options.ModelPath);
        config.CheckAgainst(probe);
        used.CheckAgainst(probe, options.ModelPath);
        kinds.CheckAgainst(probe, options.ModelPath);
        // Before any work: an accuracy budget needs labels (a usage error, not a broken budget).
        RequireLabels(budgets, options, validation);
        if (!bindings.Values.IsEmpty || !state.IsEmpty)
        {
            // Bad values and pairings are found before any pass runs, and the samples see the bound values.
            ShapeInference.Run(probe, bindings);
            state.CheckAgainst(probe);
        }
        // The user's samples fix what the model leaves open (a sequence length), and must hold values it accepts.
        if (UserSamples.Folder(options.ModelPath, validation.DataPath) is { } sampleFolder)
        {
            bindings = UserSamples.Bind(probe, sampleFolder, bindings, notes);
            validation = validation with { Bindings = bindings };
        }
        else if (SyntheticInputs.DescribeIntegers(probe) is { } integers) notes.Add(integers);
        // A lock made from this very model, settings and data is replayed: no search, and int8 takes its recorded scales.
        var planLock = options.OpenedLock ?? PlanLock.Open(options, config, budgets, passNames, deployCpu, PlanLock.DataFolder(options, config), registry.Names.ToList(), notes, warnings);
        var replay = planLock?.Replay?.Plan;
        if (replay is not null)
        {
            budgets = planLock!.Judging(budgets);
            passNames = replay.Passes;
            if (replay.Settings is { } planSettings) config = config.WithPassSettings(OptimizeConfig.ParsePassSettings(planSettings.ToJsonString(), planLock!.Path, registry));
            config = PlanNodes.Apply(config, replay);
        }
        // A replay is a build step: the plan holds every decision the timings made (the speed check, a
        // pass that did not pay), so it times nothing unless a latency budget asks; nothing timed on
        // this machine can change what it writes.
        if (replay is not null && !budgets.NeedsLatency) validation = validation with { Comparison = validation.Comparison with { LatencyRuns = 0 } };
        bool search = options.Search && replay is null;
        var passes = registry.Parse(string.Join(',', passNames));
        if (passes.Count > 0 || options.Search || options.Validate || budgets.NeedsOutputs || budgets.NeedsLatency) MemoryCheck.BeforeAnyPass(probe, options.ModelPath, validation);
        // The search chooses on one part of the samples; what it chose is confirmed on the rest,
        // which it never saw, so the reported figures are not the ones it tuned for.
        // A searched plan replays with the samples split as when it was chosen: a refit fits on the
        // same calibration share, and the budgets are judged on the samples the search never saw.
        bool searchedReplay = replay is not null && (options.Search || replay.Searched);
        int? total = search || searchedReplay ? SearchableSamples(probe, options, validation) : null;
        // The search's sensitivity profile (and the refit it adds) needs calibration samples whatever the passes named.
        bool calibrate = search || passes.Any(p => p.Needs.HasFlag(PassNeeds.Calibration) && (replay is null || ReplayCalibrates(p, config, replay)));
        var (samples, calibrationTaken, calibrationShared) = calibrate ? OpenCalibration(options, config, probe, bindings, total, notes, warnings) : (null, 0, 0);
        using var calibrationSamples = samples;
        var calibration = samples is null ? null : new OrtActivationSource(samples, settings: session, memoryCapBytes: runtime.ResolvedMemoryCapBytes, state: state);

        IReadOnlyList<string> searchLog = [];
        SpeedCheckResult? searchSpeed = null;
        // A searched plan is judged on replay where it was confirmed: on the samples the search never saw.
        if (searchedReplay && total >= SampleSplit.MinimumToSplit)
            validation = validation with { Part = SamplePart.Confirmation };
        OptimizationPlan? searchPlan = null;
        // The settings as the user gave them: what a search adds for its trials is measured against these.
        var userConfig = config;
        IReadOnlyList<SearchFallback> fallbacks = [];
        if (search)
        {
            var (searchPart, splitNote) = SplitFor(total!.Value, calibrationTaken, calibrationShared);
            var searchValidation = validation with { Part = searchPart, CalibrationSamples = calibrationTaken };
            if (searchPart == SamplePart.Search) validation = validation with { Part = SamplePart.Confirmation };
            // Before minutes are spent: whether the samples the choice is judged on can resolve the budgets
            // at all. A budget they cannot hold is replaced by the strictest they can, said here, and the
            // search, the confirmation, the report and the lock all judge against that one limit.
            var (choosing, confirming) = searchPart == SamplePart.Search ? (SampleSplit.Counts(total.Value).Search - calibrationTaken, SampleSplit.Counts(total.Value).Confirmation) : (0, total.Value);
            (budgets, var unresolved) = BudgetResolution.ForSearch(budgets, choosing, confirming, OnePositionPerSample(probe, used), movable: b => !FidelityFloor.IsFloor(b));
            foreach (var line in unresolved)
                AddWarning(warnings, new ModelOptWarning(WarningCode.SamplesCannotResolveBudget, options.ModelPath, line));
            var outcome = LayerSearch.Run(new SearchRequest(options.ModelPath, config, passNames, budgets, searchValidation, options.SearchTime, registry, calibration)
            {
                Progress = options.SearchProgress,
                SplitNote = splitNote,
                // Said as the search starts, not only with the run's warnings at the end: before the minutes are spent.
                UpFront = unresolved.Select(line => $"{WarningCode.SamplesCannotResolveBudget.Text()}: {line}").ToList(),
                ConfirmationSamples = searchPart == SamplePart.Search ? SampleSplit.Counts(total.Value).Confirmation : 0,
                TimeSegments = options.SearchTimesSegments,
            });
            searchLog = outcome.Log;
            if (outcome.Failure is not null) throw outcome.Failure;
            searchSpeed = outcome.SpeedCheck;
            // The search's choice becomes the plan; the passes read it as per-node settings.
            searchPlan = new OptimizationPlan(outcome.Passes, PlanNodes.From(outcome.Config), null, deployCpu) { Settings = PlanSettings.Added(config, outcome.Config, outcome.Passes) };
            // What is built is what the search's trials validated: with the settings it added for them.
            if (searchPlan.Settings is { } added) config = config.WithPassSettings(OptimizeConfig.ParsePassSettings(added.ToJsonString(), "the search's settings", registry));
            config = PlanNodes.Apply(config, searchPlan);
            passes = registry.Parse(string.Join(',', searchPlan.Passes));
            fallbacks = outcome.Fallbacks;
            if (outcome.TimeRanOut is { } ranOut) warnings.Add(new ModelOptWarning(WarningCode.SearchTimeRanOut, options.ModelPath, ranOut));
            if (outcome.CutShort is { } cutShort) warnings.Add(new ModelOptWarning(WarningCode.SearchCutShort, options.ModelPath, cutShort));
        }

        Candidate candidate;
        try
        {
            candidate = CandidateBuilder.Build(options.ModelPath, config, passes, bindings, calibration, null, replay?.Quantization, planLock?.Path);
        }
        catch (ModelOptException e) when (planLock is { Replay: not null } && e.Code == ErrorCode.InvalidLockFile)
        {
            throw planLock.Located(e);
        }
        planLock?.CheckNodes(probe, candidate.Model);
        // A replay runs each model in one session: the budget check below runs the rewritten model on
        // the samples anyway, and only when that fails is it run on its own, to say whose fault it is.
        bool checkLater = replay is not null;
        if (passes.Count > 0 && !checkLater) CheckRuns(candidate.Model, options, passes, bindings, session, validation.DataPath);
        if (search) options.SearchProgress?.Invoke($"confirmation: building the choice and judging it on {(validation.Part == SamplePart.Confirmation ? "the samples the search never saw" : "the validation samples")}.");
        // A replayed plan already holds the speed check's decision (the pass list it left).
        string? skipped = replay is null ? EnforceRequiredChecks(candidate.RequiredChecks, options, budgets, bindings, candidate.Model, notes, warnings, searchSpeed, session, validation.DataPath) : null;
        if (skipped is not null)
        {
            // A pass that does not pay is left out and the others still run: rebuild without it, so
            // what is written is exactly the pipeline minus that pass.
            passes = passes.Where(p => p.Name != skipped).ToList();
            leftOut.Add(skipped);
            candidate = CandidateBuilder.Build(options.ModelPath, config, passes, bindings, calibration, null, replay?.Quantization, planLock?.Path);
            if (passes.Count > 0) CheckRuns(candidate.Model, options, passes, bindings, session, validation.DataPath);
        }
        // A pass that could not run on the model (an opset it cannot reach) is a warning, never reported as applied.
        foreach (var r in candidate.Reports.Where(r => r.Skipped is not null))
        {
            warnings.Add(new ModelOptWarning(WarningCode.PassSkipped, options.ModelPath, $"{r.Pass} skipped: {r.Skipped}; the model is written without it."));
            leftOut.Add(r.Pass);
        }
        int candidateNotes = notes.Count;
        notes.AddRange(candidate.Notes);
        var model = candidate.Model;
        var reports = candidate.Reports;
        var measure = Figures(bindings);
        var before = reports.Count > 0 ? reports[0].Before : measure(model);
        var after = reports.Count > 0 ? reports[^1].After : before;

        // Every rewrite is compared with the original on the samples at hand; without an output budget
        // of the user's, the default fidelity floor judges it (a model that answers unlike the original
        // must not be written just because nobody asked).
        bool floor = passes.Count > 0 && FidelityFloor.AppliesTo(budgets, options.FidelityFloor);
        if (SubgraphWork.Explain(model, reports) is { } inside)
            warnings.Add(new ModelOptWarning(WarningCode.WorkInsideSubgraphs, options.ModelPath, inside));
        ValidationReport? report = null;
        if (!budgets.IsEmpty || options.Validate || passes.Count > 0)
        {
            ValidationReport Judge()
            {
                var judged = BudgetGate.Check(options.ModelPath, candidate, budgets, validation with { AlwaysCompare = options.Validate || passes.Count > 0 }) with { SearchLog = searchLog };
                return floor && FidelityFloor.Verdict(judged, reports, budgets) is { } verdict ? judged with { Verdicts = [.. judged.Verdicts, verdict] } : judged;
            }
            try
            {
                report = Judge();
            }
            catch (ModelOptException e) when (checkLater && passes.Count > 0 && e.Code == ErrorCode.RuntimeFailed)
            {
                CheckRuns(candidate.Model, options, passes, bindings, session, validation.DataPath);
                throw;
            }
            var keptWhatever = candidate.RequiredChecks.Where(c => c.Waived || c.PassRequired).Select(c => c.Pass).ToHashSet(StringComparer.Ordinal);
            TimedCandidate TimeInterleaved() =>
                InterleavedTiming.Measure(options.ModelPath, candidate.Model, RunInputs.For(candidate.Model, options.ModelPath, validation.DataPath, options.Seed).Tensors, DecisionClock.For(session), TimeSpan.FromSeconds(10));
            if (passes.Count > 0 && replay is null && PassPayoff.Unpaid(report, reports, budgets, keptWhatever, TimeInterleaved) is { } unpaid)
            {
                // As int8 that is slower: the pass that did not pay is left out and the others still reach the build.
                warnings.Add(new ModelOptWarning(WarningCode.PassSkipped, options.ModelPath, unpaid.Why));
                passes = passes.Where(p => p.Name != unpaid.Pass).ToList();
                leftOut.Add(unpaid.Pass);
                candidate = CandidateBuilder.Build(options.ModelPath, config, passes, bindings, calibration);
                if (passes.Count > 0) CheckRuns(candidate.Model, options, passes, bindings, session, validation.DataPath);
                (model, reports) = (candidate.Model, candidate.Reports);
                after = reports.Count > 0 ? reports[^1].After : before;
                report = Judge();
            }
            foreach (var warning in report.Warnings) AddWarning(warnings, warning);
            if (!report.AllKept && fallbacks.Count > 0)
            {
                // A pass the speed check left out of the choice stays out of every step back.
                IReadOnlyList<IPass> FallbackPasses(SearchFallback f) => registry.Parse(string.Join(',', f.Passes.Where(p => p != skipped)));
                // The search validated less aggressive choices on its way: one of them may keep what its choice broke.
                var log = searchLog.ToList();
                var stepped = StepBack.Take(fallbacks, report, fallback =>
                {
                    var tried = CandidateBuilder.Build(options.ModelPath, fallback.Config, FallbackPasses(fallback), bindings, calibration);
                    var confirmed = BudgetGate.Check(options.ModelPath, tried, budgets, validation with { AlwaysCompare = true });
                    if (floor && FidelityFloor.Verdict(confirmed, tried.Reports, budgets) is { } v) confirmed = confirmed with { Verdicts = [.. confirmed.Verdicts, v] };
                    return (tried, confirmed);
                }, line =>
                {
                    log.Add(line);
                    options.SearchProgress?.Invoke(line);
                });
                searchLog = log;
                report = report with { SearchLog = searchLog };
                if (stepped is not null)
                {
                    candidate = stepped.Result;
                    passes = FallbackPasses(stepped.Fallback);
                    // What is written is the fallback: it is the plan the lock records.
                    searchPlan = new OptimizationPlan(passes.Select(p => p.Name).ToList(), PlanNodes.From(stepped.Fallback.Config), null, deployCpu)
                    {
                        Settings = PlanSettings.Added(userConfig, stepped.Fallback.Config, passes.Select(p => p.Name)),
                    };
                    CheckRuns(candidate.Model, options, passes, bindings, session, validation.DataPath);
                    notes.RemoveRange(candidateNotes, notes.Count - candidateNotes);
                    notes.AddRange(candidate.Notes);
                    (model, reports) = (candidate.Model, candidate.Reports);
                    after = reports.Count > 0 ? reports[^1].After : before;
                    report = stepped.Report with { SearchLog = searchLog };
                    AddWarning(warnings, new ModelOptWarning(WarningCode.SearchSteppedBack, options.ModelPath, stepped.Why + "."));
                }
            }
            if (report.AllKept && PassPayoff.SlowerButSmaller(report) is { } slower) warnings.Add(new ModelOptWarning(WarningCode.SlowerThanOriginal, options.ModelPath, slower));
            if (!report.AllKept)
            {
                // Per-layer passes can keep float the layers that cost the fidelity: the search finds which.
                string hint = replay is not null ? $" (the plan is replayed from {planLock!.Path}; delete it, or run without the lock, to choose again)"
                    : !options.Search && report.Broken.Any(v => v.Budget.Definition.NeedsOutputs) && passes.Any(p => p is Engine.Passes.Knobs.IKnobProvider)
                    ? $" ({OptionNames.Search.With()} keeps float the layers of {string.Join(", ", passes.OfType<Engine.Passes.Knobs.IKnobProvider>().Select(p => p.Name))} that cost the fidelity)"
                    : "";
                // A model that returns more than the application reads is judged on all of it until told otherwise.
                if (used.IsAll && report.Comparison is { Outputs.Count: > 1, LowestOutput: { } lowest } && report.Broken.Any(v => v.Budget.Definition == BudgetDefinition.MinCosine))
                    hint += $" (the lowest cosine is output '{lowest.Name}'; if the application does not read it, name the outputs it reads with {OptionNames.UsedOutputs.NameAndKey})";
                throw BudgetBrokenException.From(options.ModelPath, report, $"the optimized model breaks {report.Broken.Count()} budget(s), so {options.OutputPath} was not written{hint}:");
            }
            if (report.Comparison is { Synthetic: true, Samples: > 0 } && budgets.NeedsOutputs)
                warnings.Add(new ModelOptWarning(WarningCode.SyntheticValidation, options.ModelPath,
                    $"the output budgets ({string.Join(", ", budgets.All.Where(b => b.Definition.NeedsOutputs).Select(b => SettingNames.Budget(b.Definition)))}) were checked on {report.Comparison.SampleDescription}, not real data; give samples ({OptionNames.Data.With()}) to check them on real inputs."));
            if (passes.Count > 0 && NoGain(report, reports) is { } nothing) warnings.Add(new ModelOptWarning(WarningCode.NoGain, options.ModelPath, nothing));
        }
        if (passes.Any(p => p.Name == QuantizePass.PassName))
        {
            notes.Add($"deployCpu: {deployCpu.Key()} ({(deployCpu.PairSafeWeights() ? "pair-safe" : "full-range")} int8 weights unless quantize.reduceRange says otherwise; the build machine's CPU does not change the output).");
            if (BuildCpu.CannotCheck(deployCpu) is { } cannot) notes.Add($"deployCpu: {cannot}.");
        }
        var plan = replay ?? new OptimizationPlan(passes.Select(p => p.Name).ToList(), PlanNodes.Merge(searchPlan?.Nodes ?? [], candidate.Decisions), candidate.Quantization, deployCpu) { Searched = search, Settings = searchPlan?.Settings };
        // The lock first: a build's output must not be older than the lock it came from (MSBuild's Inputs/Outputs).
        // By default a lock is written only for what a build would otherwise decide again: a search, or a pass that calibrates.
        if (planLock is not null && planLock.Writes(decided: calibrate)) planLock.Write(plan, budgets, report, notes, warnings);
        ModelWriter.Save(model, options.OutputPath);
        return new OptimizeResult(options.ModelPath, options.OutputPath, reports, before, after,
            FileLength.Of(options.ModelPath), FileLength.Of(options.OutputPath), calibration?.Description, notes)
        {
            Validation = report,
            SearchLog = searchLog,
            Warnings = warnings,
            Skipped = leftOut,
            Runtime = runtime.Resolved(),
            Plan = plan,
            LockPath = planLock?.Path,
            Replayed = replay is not null,
        };
    }

    // Whether a pass of a replayed plan still reads the calibration stream: refit fits on it, bias
    // correction and GPTQ measure from it, and static int8 without recorded scales calibrates.
    private static bool ReplayCalibrates(IPass pass, OptimizeConfig config, OptimizationPlan replay)
    {
        if (pass.Name != QuantizePass.PassName) return true;
        var q = config.Settings<Engine.Passes.Quantize.QuantizeSettings>(QuantizePass.PassName);
        return q.Mode switch
        {
            Engine.Passes.Quantize.QuantizeMode.Static => replay.Quantization is null || q.BiasCorrection,
            Engine.Passes.Quantize.QuantizeMode.Int4 => q.Algorithm == Engine.Passes.Quantize.Int4Algorithm.Gptq,
            _ => false,
        };
    }

    // The same warning from the up-front check and the final validation is said once.
    // (The final check of a search judges on fewer samples than it chose on: its count differs, the point does not.)
    private static void AddWarning(List<ModelOptWarning> warnings, ModelOptWarning warning)
    {
        bool said = warning.Code == WarningCode.SamplesCannotResolveBudget
            ? warnings.Any(w => w.Code == warning.Code && SameBudget(w.Message, warning.Message))
            : warnings.Any(w => w.Code == warning.Code && w.Message == warning.Message);
        if (!said) warnings.Add(warning);
    }

    // "N samples cannot resolve maxAccuracyDrop …": the same budget whatever N.
    private static bool SameBudget(string a, string b) =>
        a[(a.IndexOf(' ') + 1)..].Split(' ').Take(4).SequenceEqual(b[(b.IndexOf(' ') + 1)..].Split(' ').Take(4));

    // Whether agreement would count one position per sample: every output compared is [N, C] or less.
    private static bool OnePositionPerSample(Model model, UsedOutputs used) =>
        model.Graph.Outputs.Where(o => used.IsAll || used.Names.Contains(o.Name)).All(o => o.Shape is { } shape && shape.Rank <= 2);

    // An accuracy budget with no labels anywhere is a usage error found before any work (exit 2).
    private static string Drop => SettingNames.Budget(BudgetDefinition.MaxAccuracyDrop);

    private static string FidelityBudgets => $"{SettingNames.Budget(BudgetDefinition.MinCosine)} or {SettingNames.Budget(BudgetDefinition.MinAgreement)}";

    private static void RequireLabels(BudgetSet budgets, OptimizeOptions options, ValidationSettings validation)
    {
        if (budgets[BudgetDefinition.MaxAccuracyDrop] is null || validation.LabelsPath is not null) return;
        string? folder = validation.DataPath ?? SampleSet.FindBeside(options.ModelPath);
        if (folder is not null && Directory.Exists(folder) && LabelFile.FindIn(folder) is not null) return;
        throw new ModelOptException(ErrorCode.LabelsMissing, options.ModelPath, folder is null
            ? $"{Drop} needs labelled samples, and no data was given: {OptionNames.Data.With()} {OptionNames.Labels.With()}; or judge fidelity instead with {FidelityBudgets}."
            : $"{Drop} needs labels for the samples in {folder}: {OptionNames.Labels.With()}, or labels.* in that folder; or judge fidelity instead with {FidelityBudgets}.");
    }

    // How many validation samples the search could split (the same folder calibration reads, when there is one).
    private static int SearchableSamples(Model model, OptimizeOptions options, ValidationSettings validation)
    {
        using var all = SampleSource.Open(model, options.ModelPath, validation.DataPath, validation.LabelsPath, validation.SampleLimit, validation.Seed, synthetic: validation.Synthetic);
        return all.Samples.Count;
    }

    // Splits the validation samples when there are enough of them; otherwise the search and the final
    // check share them, and say so. taken: the search's samples calibration took and the search does
    // not judge on; shared: those calibration took that the search judges on all the same.
    private static (SamplePart Part, string Note) SplitFor(int total, int taken, int shared)
    {
        if (total < SampleSplit.MinimumToSplit)
            return (SamplePart.All, $"search: only {total} validation sample(s), too few to hold any out: the search and the final check judge on the same samples.");
        var (search, confirmation) = SampleSplit.Counts(total);
        string confirmed = $"the result is confirmed on the other {confirmation} (every third sample), which the search never sees";
        if (taken > 0)
            return (SamplePart.Search, $"search: calibrates on {taken} and chooses on the other {search - taken} of its {search} of the {total} validation samples; {confirmed}.");
        string overlap = shared > 0 ? $" ({shared} of them calibrate too: the calibration count asked for leaves too few to choose on without them)" : "";
        return (SamplePart.Search, $"search: chooses on {search} of the {total} validation samples{overlap}; {confirmed}.");
    }

    /// <summary>Nodes, parameters and FLOPs of the model as it is, from the cost model.</summary>
    public static Func<Model, ModelFigures> Figures(ShapeBindings bindings) => model =>
    {
        var report = ModelAnalyzer.Analyze(model, new AnalysisOptions { Bindings = bindings, DeviceFlops = 1e9 });
        bool complete = report.UnknownOps.Count == 0 && report.Nodes.All(n => n.Flops is not null);
        return new ModelFigures(report.Nodes.Count, report.Totals.Parameters, complete ? report.Totals.Flops : null);
    };

    // The calibration folder is the validation folder (both resolve --data, calibration.data, then
    // NAME.samples/), so when the search holds samples out (searchTotal: how many it splits),
    // calibration, and the refit fitted on it, must not see them either: it takes the first samples
    // of the search's share, and the search judges on the others when enough are left. Returns the
    // samples, how many of the search's share the search must leave out, and how many it judges on although they calibrate.
    private static (SampleSet Samples, int Taken, int Shared) OpenCalibration(OptimizeOptions options, OptimizeConfig config, Model model, ShapeBindings bindings, int? searchTotal,
        List<string> notes, List<ModelOptWarning> warnings)
    {
        int? given = options.CalibrationSamples ?? config.Calibration?.Samples;
        int count = given ?? CalibrationConfig.DefaultSamplesFor(Figures(bindings)(ModelCopy.Of(model)).Flops);
        string? folder = options.DataPath ?? config.Calibration?.Data;
        if (folder is null && SampleSet.FindBeside(options.ModelPath) is { } beside)
        {
            folder = beside;
            notes.Add($"calibration: using the samples beside the model in {beside}.");
        }
        if (folder is not null)
        {
            if (searchTotal is not int total || total < SampleSplit.MinimumToSplit) return (SampleSet.FromFolder(folder, model, count), 0, 0);
            var (take, disjoint) = SampleSplit.Calibration(SampleSplit.Counts(total).Search, count, given is not null);
            return (SampleSet.FromFolder(folder, model, take, i => SampleSplit.InPart(i, SamplePart.Search), "the search's share"), disjoint ? take : 0, disjoint ? 0 : take);
        }
        bool pages = config.Calibration?.Synthetic == SyntheticKind.Pages;
        warnings.Add(new ModelOptWarning(WarningCode.SyntheticCalibration, options.ModelPath,
            $"calibration: no data given, using {count} seeded synthetic {(pages ? "page images" : "samples")} — real data ({OptionNames.Data.With()}) calibrates far better."));
        // Bound shapes (--shape) for dynamic inputs; declared ones speak for themselves.
        var shapes = bindings.Shapes.ToDictionary(kv => kv.Key, kv => TensorShape.Of(kv.Value));
        return (pages ? SampleSet.SyntheticDocuments(model, count, options.Seed, shapes) : SampleSet.Synthetic(model, count, options.Seed, shapes), 0, 0);
    }

    // Checks passes asked for but cannot make themselves. int8 that runs slower than the original
    // float model (the trap the Python quantizers' users keep falling into) is skipped with a warning,
    // so the other passes still reach the build; it is an error only when the user needs it applied
    // (quantize.required) or set a speed budget, and kept on request (quantize.allowSlower).
    // Returns the name of the pass to leave out, if any.
    private static string? EnforceRequiredChecks(IReadOnlyList<RequiredCheck> checks, OptimizeOptions options, BudgetSet budgets, ShapeBindings bindings, Model model,
        List<string> notes, List<ModelOptWarning> warnings, SpeedCheckResult? measured, OrtSessionSettings session, string? dataPath)
    {
        var speed = checks.Where(c => c.Kind == RequiredCheckKind.FasterThanOriginal).ToList();
        if (speed.Count == 0) return null;
        // The search already measured the model it chose (the same model, built the same way).
        var result = measured ?? QuantizationSpeedCheck.MeasureAgainstSource(options.ModelPath, model, bindings, options.Seed, session, dataPath);
        notes.Add($"speed check: {result}");
        if (result.Passed) return null;
        if (speed.All(c => c.Waived))
        {
            warnings.Add(new ModelOptWarning(WarningCode.QuantizedSlower, options.ModelPath,
                $"the quantized model is not measurably faster than the original under ONNX Runtime ({result}); kept because quantize.allowSlower is set."));
            return null;
        }
        var speedBudgets = budgets.All.Where(b => b.Definition == BudgetDefinition.MinSpeedup || b.Definition == BudgetDefinition.MaxLatencyMs).Select(b => b.Definition.Key).ToList();
        string? why = speed.Any(c => c.PassRequired) ? $"\"{speed[0].Pass}\": {{ \"required\": true }} is set"
            : speedBudgets.Count > 0 ? $"a speed budget is set ({string.Join(", ", speedBudgets)})" : null;
        if (why is not null) QuantizationSpeedCheck.Enforce(result, allowSlower: false, options.ModelPath, why, options.FrontEnd);
        string pass = speed[0].Pass;
        warnings.Add(new ModelOptWarning(WarningCode.PassSkipped, options.ModelPath,
            $"{pass} skipped: {result.Describe()}{(QuantizationSpeedCheck.SmallModelReason(result) is { } small ? "; " + small : "")}; the model is written without it. Set {SettingNames.PassSetting(pass, "{ \"allowSlower\": true }", options.FrontEnd)} to keep the slower model, or {SettingNames.PassSetting(pass, "{ \"required\": true }", options.FrontEnd)} to fail instead."));
        return pass;
    }

    // A rewrite that is no cheaper in any way the user can feel deserves a word: passes that find
    // nothing to do on a model (freeze without BatchNormalization, separable on tiny convs) look busy.
    private static string? NoGain(ValidationReport report, IReadOnlyList<PassReport> reports)
    {
        var (a, b) = (report.BaselineFootprint, report.CandidateFootprint);
        bool fewerFlops = a.Flops is long fa && b.Flops is long fb && fb < fa;
        bool smaller = b.Bytes < a.Bytes * 0.99;
        // Latency is noisy on a shared machine: an unchanged model must not pass for faster by chance.
        bool faster = reports.Any(r => r.Changed) && report.Comparison?.Speedup is >= 1.1;
        if (fewerFlops || smaller || faster) return null;
        string speed = report.Comparison?.Speedup is double s ? $"{s:0.##}× (median)" : "not measured";
        static string Flops(long? f) => f is long v ? Quantity.Format(v, QuantityKind.Flops) : "not counted";
        return $"the passes {string.Join(", ", reports.Select(r => r.Pass))} gained nothing: FLOPs {Flops(a.Flops)} → {Flops(b.Flops)}, "
            + $"size {Quantity.Format(a.Bytes, QuantityKind.Bytes)} → {Quantity.Format(b.Bytes, QuantityKind.Bytes)}, speed-up {speed}; the written model is no cheaper than the original.";
    }

    // A pass bug must never reach the user's build as a model ONNX Runtime refuses. The check runs on
    // the user's first sample when there is one; a failure the original model shares on the same
    // inputs is the inputs' or the model's, never blamed on the rewrite.
    private static void CheckRuns(Model model, OptimizeOptions options, IReadOnlyList<IPass> passes, ShapeBindings bindings, OrtSessionSettings session, string? dataPath)
    {
        // The bound values (a sample rate that picks an If branch) are what the model is run with.
        if (!bindings.Values.IsEmpty) ShapeInference.Run(model, bindings);
        var inputs = RunInputs.For(model, options.ModelPath, dataPath, options.Seed);
        try
        {
            using var runner = OrtModelRunner.FromModel(model, session);
            runner.Run(inputs.Tensors);
        }
        catch (ModelOptException e) when (e.Code == ErrorCode.RuntimeFailed)
        {
            if (OriginalFailure(options.ModelPath, inputs, session) is { } original)
                throw new ModelOptException(ErrorCode.RuntimeFailed, options.ModelPath,
                    $"the original model does not run in ONNX Runtime on {inputs.Description} either, so nothing was written (the passes are not to blame){(inputs.Synthetic ? $"; give real samples with {OptionNames.Data.With()}" : "")}: {original.Message}", original);
            throw new ModelOptException(ErrorCode.RuntimeFailed, options.ModelPath,
                $"the model rewritten by {string.Join(", ", passes.Select(p => p.Name))} does not run in ONNX Runtime on {inputs.Description}, so nothing was written: {e.Message}", e);
        }
    }

    // The original model's own failure on the inputs the rewrite failed on; null when it runs.
    private static ModelOptException? OriginalFailure(string modelPath, RunInputs inputs, OrtSessionSettings session)
    {
        try
        {
            using var runner = OrtModelRunner.FromModel(ModelLoader.Load(modelPath), session);
            runner.Run(inputs.Tensors);
            return null;
        }
        catch (ModelOptException e) when (e.Code == ErrorCode.RuntimeFailed)
        {
            return e;
        }
    }
}
