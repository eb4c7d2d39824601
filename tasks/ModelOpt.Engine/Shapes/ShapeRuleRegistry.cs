using ModelOpt.Engine.Shapes.Rules;

namespace ModelOpt.Engine.Shapes;

/// <summary>The shape rules by op type (default ONNX domain, and the com.microsoft int8 ops). An op with no rule leaves its outputs unknown.</summary>
internal static class ShapeRuleRegistry
{
    private static readonly Dictionary<string, IShapeRule> Rules = Build();

    private static readonly MicrosoftQuantizedRule Microsoft = new();

    public static IShapeRule? Find(string domain, string opType) =>
        domain.Length == 0 ? Rules.GetValueOrDefault(opType)
        : domain == "com.microsoft" && Microsoft.OpTypes.Contains(opType) ? Microsoft : null;

    public static IEnumerable<string> OpTypes => Rules.Keys;

    private static Dictionary<string, IShapeRule> Build()
    {
        IShapeRule[] rules =
        [
            new UnaryElementwiseRule(), new LogicalUnaryRule(), new CastRule(), new BroadcastRule(), new WhereRule(),
            new ConvRule(), new ConvTransposeRule(), new PoolRule(), new GlobalPoolRule(), new GemmRule(), new MatMulRule(),
            new EinsumRule(), new ReshapeRule(), new FlattenRule(), new TransposeRule(), new SqueezeRule(), new UnsqueezeRule(),
            new ConcatRule(), new SplitRule(), new SliceRule(), new GatherRule(), new GatherElementsRule(), new GatherNDRule(),
            new ShapeOfRule(), new ExpandRule(), new TileRule(), new PadRule(), new ResizeRule(), new ReduceRule(),
            new ArgReduceRule(), new TopKRule(), new ConstantRule(), new ConstantOfShapeRule(), new RangeRule(),
            new DepthSpaceRule(), new QuantizeRule(), new NonZeroRule(), new RecurrentRule(),
        ];
        var map = new Dictionary<string, IShapeRule>(StringComparer.Ordinal);
        foreach (var rule in rules)
            foreach (string op in rule.OpTypes)
                map.Add(op, rule);
        return map;
    }
}
