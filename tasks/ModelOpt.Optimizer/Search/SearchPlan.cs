using System.Text.Json.Nodes;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Knobs;
using ModelOpt.Engine.Passes.Refit;
using ModelOpt.Engine.Sensitivity;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// What the search can choose and has chosen, and how a choice becomes something to build. A choice
/// is a map of knob key → ladder step (the strategies pass these around and return them); the plan
/// holds the knobs listed so far (each with what it saves), the layout choices taken
/// (<see cref="StructureKnob"/>, laid over every trial after), and turns a choice into the config
/// and pass list a trial, a fallback or the run builds.
/// </summary>
internal sealed class SearchPlan
{
    private readonly SearchRequest _request;
    private readonly bool _hasUnnamedNodes;
    private List<LayerKnob> _knobs = [];
    private readonly Dictionary<string, KnobSaving> _saves = new(StringComparer.Ordinal);
    // The layout choices taken, in the order taken: their per-node settings go into every trial's config after.
    private readonly List<StructureKnob> _structure = [];

    public SearchPlan(SearchRequest request)
    {
        _request = request;
        (Passes, KnobPasses) = TrialPasses(request.Passes, request.Registry);
        _hasUnnamedNodes = ModelLoader.Load(request.ModelPath).Graph.AllNodes().Any(n => n.Name.Length == 0);
    }

    /// <summary>The passes every trial runs (<see cref="TrialPasses"/>).</summary>
    public IReadOnlyList<string> Passes { get; }

    /// <summary>The passes whose knobs the search turns.</summary>
    public IReadOnlyList<string> KnobPasses { get; }

    /// <summary>Every knob listed so far, MAC-saving ones first.</summary>
    public IReadOnlyList<LayerKnob> Knobs => _knobs;

    /// <summary>The layout choices taken so far.</summary>
    public IReadOnlyList<StructureKnob> Structure => _structure;

    // Until the time-saving knobs are listed (after the MAC-saving choice), trials leave their passes
    // out: a quantizer with no per-node choice yet would quantize every layer of every MAC trial.
    private bool _timeKnobsListed;

    /// <summary>
    /// The passes each trial runs and those the search turns. The user's order is kept, except that
    /// refit, when named, runs right after each pass whose knobs save MACs (and nowhere else: before
    /// int8, whose Q/DQ weights refit cannot fit), so each compression is refit before the next one
    /// works on its layers (a pruned Gemm is refit on all its inputs before lowrank factorizes it).
    /// When the user names no knob pass, every pass that declares knobs is considered, in the
    /// registry's order, with refit after each compressing one.
    /// </summary>
    public static (IReadOnlyList<string> Passes, IReadOnlyList<string> KnobPasses) TrialPasses(IReadOnlyList<string> given, PassRegistry? registry = null)
    {
        registry ??= PassRegistry.Default;
        var providers = KnobCatalog.Providers(registry);
        var compressing = providers.Where(p => p.Saves == KnobSaving.Macs).Select(p => p.Name).ToList();
        var passes = given.Where(p => !p.Equals("none", StringComparison.OrdinalIgnoreCase)).Select(registry.Canonical).ToList();
        bool refit = passes.Contains(RefitPass.PassName);
        if (!passes.Any(p => providers.Any(k => k.Name == p)))
        {
            int at = passes.IndexOf(RefitPass.PassName);
            if (at < 0) at = passes.Count;
            passes.InsertRange(at, compressing);
            passes.AddRange(providers.Where(p => p.Saves != KnobSaving.Macs).Select(p => p.Name));
            refit = true;
        }
        if (refit && passes.Any(compressing.Contains))
        {
            passes.RemoveAll(p => p == RefitPass.PassName);
            for (int i = passes.Count - 1; i >= 0; i--)
                if (compressing.Contains(passes[i])) passes.Insert(i + 1, RefitPass.PassName);
        }
        return (passes, providers.Select(p => p.Name).Where(passes.Contains).ToList());
    }

    /// <summary>Adds the knobs of one kind of saving; once the time-saving ones are listed, trials run their passes.</summary>
    public void List(IEnumerable<LayerKnob> knobs, KnobSaving saves)
    {
        var added = knobs.ToList();
        if (saves == KnobSaving.Time) _timeKnobsListed = true;
        _knobs = [.. _knobs, .. added];
        foreach (var knob in added) _saves[knob.Key] = saves;
    }

    /// <summary>A MAC-saving knob listed again on the model the choice so far makes: it replaces its old listing, or joins the list.</summary>
    public void Relist(LayerKnob knob)
    {
        int index = _knobs.FindIndex(k => k.Key == knob.Key);
        if (index >= 0) _knobs[index] = knob;
        else _knobs.Add(knob);
        _saves[knob.Key] = KnobSaving.Macs;
    }

    public KnobSaving Saves(string key) => _saves[key];

    public LayerKnob Knob(string key) => _knobs.First(k => k.Key == key);

    /// <summary>Takes a layout choice: every trial's config after lays its settings over the layer knobs'.</summary>
    public void Take(StructureKnob knob) => _structure.Add(knob);

    /// <summary>Leaves a layout choice taken on trial.</summary>
    public void Leave(StructureKnob knob) => _structure.Remove(knob);

    /// <summary>The choice <paramref name="before"/> with each move's setting taken (the further step where a knob has two).</summary>
    public static Dictionary<string, int> Apply(Dictionary<string, int> before, IEnumerable<RankedMove> moves)
    {
        var result = new Dictionary<string, int>(before);
        foreach (var move in moves) result[move.Knob.Knob.Key] = Math.Max(result.GetValueOrDefault(move.Knob.Knob.Key, -1), move.Step);
        return result;
    }

    public List<(LayerKnob, int)> Assignment(Dictionary<string, int> chosen) =>
        _knobs.Where(k => chosen.ContainsKey(k.Key)).Select(k => (k, chosen[k.Key])).ToList();

    public static Dictionary<string, int> Chosen(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment) =>
        assignment.ToDictionary(a => a.Knob.Key, a => a.Step, StringComparer.Ordinal);

    // Every knob layer not in the assignment is left alone (null), so a trial rewrites exactly what
    // it names; unnamed nodes, which no knob can address, are left alone by the knob passes too.
    public OptimizeConfig ConfigFor(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment)
    {
        var settings = _knobs.SelectMany(k =>
        {
            var set = assignment.FirstOrDefault(a => a.Knob.Key == k.Key);
            var value = set.Knob is null ? null : k.Ladder[set.Step].Settings;
            return k.Members.Select(m => (m, k.Pass, value));
        });
        if (_hasUnnamedNodes) settings = settings.Concat(KnobPasses.Select(p => ("", p, (JsonObject?)null)));
        settings = settings.Concat(StructureSettings());
        return _request.Config.WithNodeSettings(settings.ToList(), Passes);
    }

    // The structure knobs' per-node settings, laid over the layer knobs' in every trial's config.
    private IEnumerable<(string Node, string Pass, JsonObject? Settings)> StructureSettings() =>
        _structure.SelectMany(k => k.SettingNodes.Select(n => (n, k.Pass, (JsonObject?)k.Settings)));

    /// <summary>
    /// The passes a trial of <paramref name="assignment"/> runs: without the time-saving ones until
    /// their knobs are listed (the MAC phase, or a search whose time ran out before), and without a
    /// refit right after a knob pass the assignment turns no knob of. That pass changes nothing, and
    /// refit again would only fit the layers already refit once more: with <c>"layers": "all"</c>
    /// every layer after a change, a Gemm of thousands of inputs included, each time.
    /// </summary>
    public IReadOnlyList<string> PassesFor(IReadOnlyCollection<(LayerKnob Knob, int Step)> assignment)
    {
        var turned = assignment.Select(a => a.Knob.Pass).ToHashSet(StringComparer.Ordinal);
        var result = new List<string>();
        for (int i = 0; i < Passes.Count; i++)
        {
            var pass = _request.Registry.Create(Passes[i]);
            if (!_timeKnobsListed && pass is IKnobProvider { Saves: KnobSaving.Time }) continue;
            if (pass.Name == RefitPass.PassName && i > 0 && _request.Registry.Create(Passes[i - 1]) is IKnobProvider before && !turned.Contains(before.Name)) continue;
            result.Add(Passes[i]);
        }
        return result;
    }

    // The passes the run builds the choice with, as its trials were built.
    public IReadOnlyList<string> OutcomePasses(Dictionary<string, int> chosen) => PassesFor(Assignment(chosen));

    /// <summary>The choice as the log says it: by pass, each layer's setting, or a count where a pass turns many.</summary>
    public string Describe(Dictionary<string, int> chosen)
    {
        var byPass = chosen.GroupBy(c => Knob(c.Key).Pass).ToList();
        return string.Join("; ", byPass.Select(g =>
        {
            var items = g.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{Knob(c.Key).Node} {Knob(c.Key).Ladder[c.Value].Label}").ToList();
            int total = _knobs.Count(k => k.Pass == g.Key);
            return items.Count > 12 ? $"{g.Key} on {items.Count} of {total} layers ({total - items.Count} left as they are: {string.Join(", ", _knobs.Where(k => k.Pass == g.Key && !chosen.ContainsKey(k.Key)).Select(k => k.Node))})"
                : string.Join(", ", items.Select(i => $"{i} by {g.Key}"));
        }));
    }
}
