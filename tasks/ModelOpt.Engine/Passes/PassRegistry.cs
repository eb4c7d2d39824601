using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.Passes.Fp16;
using ModelOpt.Engine.Passes.WeightSharing;
using ModelOpt.Engine.Passes.Freeze;
using ModelOpt.Engine.Passes.LowRank;
using ModelOpt.Engine.Passes.Prune;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.Engine.Passes.Refit;
using ModelOpt.Engine.Passes.Separable;

namespace ModelOpt.Engine.Passes;

/// <summary>
/// The one table of pass names, shared by the CLI's <c>--passes</c>, the config file and the
/// MSBuild task's <c>Passes</c> metadata.
/// </summary>
public sealed class PassRegistry
{
    private readonly Dictionary<string, Func<IPass>> _factories = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _order = [];

    public static PassRegistry Default { get; } = CreateDefault();

    public IEnumerable<string> Names => _factories.Keys.Order(StringComparer.Ordinal);

    public void Register(string name, Func<IPass> factory)
    {
        if (!_factories.ContainsKey(name)) _order.Add(name);
        _factories[name] = factory;
    }

    /// <summary>One instance of every pass, in the order they were registered (the order the search runs its knob passes in).</summary>
    public IEnumerable<IPass> All() => _order.Select(Create);

    /// <summary>The registered spelling of <paramref name="name"/> (names are case-insensitive), or the name as given.</summary>
    public string Canonical(string name) => _order.FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? name;

    public bool IsKnown(string name) => _factories.ContainsKey(name);

    /// <summary>The typed settings record of a pass's config section (<see cref="IPass.SettingsType"/>).</summary>
    public Type SettingsTypeOf(string name) => Create(name).SettingsType;

    public IPass Create(string name) =>
        _factories.TryGetValue(name, out var factory) ? factory()
        : throw new ModelOptException(ErrorCode.UnknownPass, null, $"unknown pass '{name}'{Config.DidYouMean.Hint(name, Names)}. Available passes: {string.Join(", ", Names)} (or 'none').");

    /// <summary>Parses <c>a,b,c</c>; <c>none</c> (or nothing) is the empty list.</summary>
    public IReadOnlyList<IPass> Parse(string list)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 1 && names[0].Equals("none", StringComparison.OrdinalIgnoreCase)) return [];
        return names.Select(Create).ToList();
    }

    private static PassRegistry CreateDefault()
    {
        var registry = new PassRegistry();
        registry.Register(FreezePass.PassName, () => new FreezePass());
        // Prune before separable and lowrank: a pruned conv keeps its name, a factorized one does not.
        registry.Register(PrunePass.PassName, () => new PrunePass());
        registry.Register(SeparablePass.PassName, () => new SeparablePass());
        registry.Register(LowRankPass.PassName, () => new LowRankPass());
        registry.Register(QuantizePass.PassName, () => new QuantizePass());
        registry.Register(RefitPass.PassName, () => new RefitPass());
        registry.Register(Fp16Pass.PassName, () => new Fp16Pass());
        registry.Register(Fp32Pass.PassName, () => new Fp32Pass());
        registry.Register(ShareWeightsPass.PassName, () => new ShareWeightsPass());
        return registry;
    }
}
