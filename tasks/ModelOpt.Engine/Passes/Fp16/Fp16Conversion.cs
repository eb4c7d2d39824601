using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Fp16;

/// <summary>
/// One run of the float16 conversion over the main graph. Every float32 value gets a stored type:
/// float16 when a converted node produces it (or, for a constant, when some converted node reads
/// it), float32 otherwise; then a Cast is put on every edge whose stored type differs from what the
/// reader needs. Integer and shape tensors are never touched.
/// </summary>
internal sealed class Fp16Conversion(Graph graph, Fp16Settings settings, Func<Node, bool> leftAloneByConfig)
{
    // Element-wise ops that stay float32 when every non-constant input comes from a float32 node,
    // so a blocked op's neighbours (the epsilon Add and Sqrt of a decomposed layer norm, say) do not
    // bounce through float16 between two Casts.
    private static readonly HashSet<string> FollowersOfFloat32 = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Sqrt", "Reciprocal", "Neg", "Abs", "Relu", "Sigmoid", "HardSigmoid",
        "Clip", "Tanh", "Max", "Min", "Sum", "Mean", "Erf", "Floor", "Ceil", "Round",
    };

    private readonly Dictionary<Value, DataType> _original = ElementTypeInference.Infer(graph);
    private readonly Dictionary<Value, DataType> _stored = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Node, string> _keptFloat32 = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(Value, DataType), Value> _casts = [];

    public int ConstantsConverted { get; private set; }
    public int ValuesClamped { get; private set; }
    public int CastsInserted { get; private set; }
    public int NodesConverted { get; private set; }

    /// <summary>Why nodes stayed float32, counted by reason and op type.</summary>
    public IEnumerable<string> KeptSummary => _keptFloat32
        .GroupBy(k => k.Value)
        .Select(g => $"{g.Count()} node(s) kept in float32, {g.Key}: {string.Join(", ", g.GroupBy(k => k.Key.OpType).Select(o => $"{o.Key}×{o.Count()}"))}");

    public void Run()
    {
        Classify();
        DecideStoredTypes();
        ConvertConstants();
        ConvertNodes();
        InsertCasts();
        KeepOutputTypes();
        TypeDeclarations.Refresh(graph);
    }

    private bool IsFloat32(Value? v) => v is not null && _original.GetValueOrDefault(v) == DataType.Float;

    private static bool IsConstant(Value v) => v.IsConstant || v.Producer?.ConstantOutput is not null;

    private static bool IsConstantNode(Node n) => n.ConstantOutput is not null;

    // A BatchNormalization variance of 1e8 (PP-OCRv4's detector has one) cannot be clamped without
    // changing the result, so its reader stays float32. For bounds (Min, Max, Clip) clamping to
    // ±65504 changes nothing for float16 data, so those readers convert and the constant is clamped.
    private static readonly HashSet<string> ClampExactReaders = new(StringComparer.Ordinal) { "Min", "Max", "Clip" };

    private readonly Dictionary<Value, bool> _exceeds = new(ReferenceEqualityComparer.Instance);

    private bool ExceedsFloat16(Value constant)
    {
        if (_exceeds.TryGetValue(constant, out bool known)) return known;
        var tensor = constant.ConstantValue!;
        bool exceeds = false;
        foreach (float f in tensor.Span<float>())
            if (Math.Abs(f) > Float16Tensors.MaxValue) { exceeds = true; break; }
        return _exceeds[constant] = exceeds;
    }

    private void Classify()
    {
        var readInSubgraph = new HashSet<Value>(graph.Values.Where(v => v.Uses.Any(u => u.InputIndex < 0)), ReferenceEqualityComparer.Instance);
        var shapeArithmetic = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes)
        {
            if (IsConstantNode(node)) continue;
            string? reason = null;
            if (node.Domain.Length != 0) reason = "not a default-domain op";
            else if (node.Subgraphs.Count > 0) reason = "holds subgraphs";
            else if (settings.BlockOps.Contains(node.OpType)) reason = "blocked op type";
            else if (leftAloneByConfig(node)) reason = "left alone by the configuration";
            else if (node.Outputs.Any(o => o is not null && readInSubgraph.Contains(o))) reason = "read inside a subgraph";
            else if (node.Inputs.Any(i => i is not null && _original.GetValueOrDefault(i) == DataType.Undefined)) reason = "an input's type is unknown";
            else if (!ClampExactReaders.Contains(node.OpType) && node.Inputs.Any(i => IsFloat32(i) && IsConstant(i!) && ExceedsFloat16(i!))) reason = "reads weights beyond the float16 range";
            else
            {
                var data = node.Inputs.Where(i => i is not null && !IsConstant(i)).Select(i => i!).ToList();
                bool hasFloatOutput = node.Outputs.Any(IsFloat32);
                // Float math on values computed from integers (Cast of a Shape, say) is shape
                // arithmetic: float16 would round sizes above 2048.
                if (data.Count > 0 && data.All(i => !DataTypes.IsFloatingPoint(_original[i]) || (i.Producer is { } p && shapeArithmetic.Contains(p))))
                {
                    shapeArithmetic.Add(node);
                    if (hasFloatOutput) reason = "shape arithmetic";
                }
                else if (FollowersOfFloat32.Contains(node.OpType) && data.Count > 0
                    && data.Where(IsFloat32).All(i => i.Producer is { } p && _keptFloat32.ContainsKey(p)) && data.Any(IsFloat32))
                {
                    reason = "reads only float32 results";
                }
            }
            if (reason is not null) _keptFloat32[node] = reason;
        }
    }

    /// <summary>The type input <paramref name="index"/> of <paramref name="node"/> needs; null when any type will do.</summary>
    private DataType? Wanted(Node node, int index)
    {
        if (index < 0 || _keptFloat32.ContainsKey(node)) return DataType.Float;
        return (node.OpType, index) switch
        {
            ("Cast" or "CastLike" or "Shape" or "Size", 0) => null,
            // Resize's roi and scales, Upsample's scales are float32 whatever the data's type.
            ("Resize", 1 or 2) or ("Upsample", 1) => DataType.Float,
            _ => DataType.Float16,
        };
    }

    private DataType WantedAtOutput => settings.KeepIoTypes ? DataType.Float : DataType.Float16;

    private void DecideStoredTypes()
    {
        foreach (var v in graph.Inputs)
            if (IsFloat32(v)) _stored[v] = settings.KeepIoTypes || v.Uses.Any(u => u.InputIndex < 0) ? DataType.Float : DataType.Float16;
        foreach (var v in graph.Values)
        {
            if (!IsFloat32(v) || v.IsGraphInput) continue;
            if (IsConstant(v))
            {
                bool anyHalf = v.Uses.Any(u => Wanted(u.Node, u.InputIndex) == DataType.Float16) || (v.IsGraphOutput && WantedAtOutput == DataType.Float16);
                bool readInSubgraph = v.Uses.Any(u => u.InputIndex < 0);
                bool keptReaderNeedsRange = ExceedsFloat16(v) && v.Uses.Any(u => Wanted(u.Node, u.InputIndex) == DataType.Float);
                _stored[v] = anyHalf && !readInSubgraph && !keptReaderNeedsRange ? DataType.Float16 : DataType.Float;
            }
            else if (v.Producer is { } p)
            {
                _stored[v] = _keptFloat32.ContainsKey(p) ? DataType.Float : DataType.Float16;
            }
        }
    }

    private void ConvertConstants()
    {
        foreach (var (v, type) in _stored)
        {
            if (type != DataType.Float16 || !IsConstant(v)) continue;
            if (v.IsConstant)
            {
                v.Initializer = Float16Tensors.Convert(v.Initializer!, out int clamped);
                ValuesClamped += clamped;
            }
            else
            {
                var node = v.Producer!;
                var converted = Float16Tensors.Convert(node.ConstantOutput!.WithName(v.Name), out int clamped);
                ValuesClamped += clamped;
                foreach (var name in new[] { "value", "value_float", "value_floats" }) node.RemoveAttribute(name);
                node.SetAttribute(Float16Tensors.ValueAttribute(converted));
            }
            v.ElementType = DataType.Float16;
            ConstantsConverted++;
        }
    }

    private void ConvertNodes()
    {
        foreach (var node in graph.Nodes)
        {
            if (IsConstantNode(node) || _keptFloat32.ContainsKey(node)) continue;
            bool converted = false;
            foreach (var output in node.Outputs)
            {
                if (!IsFloat32(output)) continue;
                output!.ElementType = DataType.Float16;
                converted = true;
            }
            if (!converted) continue;
            NodesConverted++;
            // Ops whose output type is an attribute rather than an input's type.
            if (node.OpType == "Cast") node.SetInt("to", (long)DataType.Float16);
            if (node.Attribute("dtype") is { } dtype && dtype.I == (long)DataType.Float) node.SetInt("dtype", (long)DataType.Float16);
            if (node.OpType == "ConstantOfShape" && node.Attribute("value")?.T is { } fill && fill.DataType == (int)DataType.Float)
            {
                var half = Float16Tensors.Convert(Tensor.FromProto(fill), out _);
                var attribute = Float16Tensors.ValueAttribute(half);
                node.SetAttribute(attribute);
            }
            if (node.OpType == "ConstantOfShape" && node.Attribute("value") is null)
                node.SetAttribute(Float16Tensors.ValueAttribute(Tensor.FromArray("value", DataType.Float16, [1], new[] { (Half)0 })));
        }
    }

    private void InsertCasts()
    {
        foreach (var node in graph.Nodes.ToList())
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                var input = node.Inputs[i];
                if (!IsFloat32(input) || Wanted(node, i) is not { } wanted) continue;
                if (_stored[input!] != wanted) node.SetInput(i, CastOf(input!, wanted, node));
            }
        }
    }

    private Value CastOf(Value value, DataType to, Node before)
    {
        if (_casts.TryGetValue((value, to), out var existing)) return existing;
        var cast = graph.CreateNode("Cast", [value], name: $"{value.Name}_to_{DataTypes.Name(to)}", before: before);
        cast.SetInt("to", (long)to);
        var output = cast.Output(0);
        output.ElementType = to;
        output.Shape = value.Shape;
        _casts[(value, to)] = output;
        CastsInserted++;
        return output;
    }

    // A graph output the model computes in float16 gets a Cast that takes over its name, so the
    // model's interface does not change; readers inside the graph keep reading the float16 value.
    private void KeepOutputTypes()
    {
        foreach (var output in graph.Outputs.ToList())
        {
            if (!IsFloat32(output)) continue;
            var wanted = WantedAtOutput;
            if (_stored[output] == wanted) continue;
            if (output.IsGraphInput) continue; // an input passed straight through keeps its declared type
            OutputCast.Insert(graph, output, wanted, $"{output.Name}_to_{DataTypes.Name(wanted)}");
            CastsInserted++;
        }
        if (!settings.KeepIoTypes)
            foreach (var input in graph.Inputs)
                if (IsFloat32(input) && _stored[input] == DataType.Float16) input.ElementType = DataType.Float16;
    }
}
