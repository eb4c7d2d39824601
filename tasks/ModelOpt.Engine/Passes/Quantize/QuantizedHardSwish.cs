using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Turns DQ → HardSwish → Q (ORT has no integer hard-swish: it dequantizes, runs HardSigmoid and Mul
/// in float and quantizes again) into ops ORT fuses into integer kernels:
/// h = Q(x + 3) with scale 6/255 and zero point 0, whose saturation at 0 and 255 is exactly
/// clip(x + 3, 0, 6); DQ(h) with scale 1/255 is then HardSigmoid(x) = clip(x + 3, 0, 6) / 6, and
/// y = Q(x · DQ(h)) — a QLinearAdd and a QLinearMul. The one extra rounding is of HardSigmoid to
/// steps of 1/255. (A 256-entry lookup table through Gather would be exact, but ORT 1.31's Gather
/// copies byte by byte: 17 ms against 2–3 ms for the float islands on det at 320, measured.)
/// </summary>
public static class QuantizedHardSwish
{
    /// <param name="wanted">Which HardSwish nodes to rewrite (all, or those a per-node setting asks for).</param>
    public static int Run(Graph graph, Func<Node, bool>? wanted = null)
    {
        int rewritten = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            if (node.OpType != "HardSwish" || node.Domain.Length != 0 || wanted?.Invoke(node) == false) continue;
            if (node.Input(0) is not { Producer: { OpType: "DequantizeLinear", Domain.Length: 0 } dq } x || x.IsGraphOutput) continue;
            if (dq.Input(0) is not { ElementType: DataType.Uint8 } q || !ScalarParams(dq)) continue;
            var y = node.Output(0);
            if (y.IsGraphOutput || y.Uses.Count == 0 || y.Uses.Any(u => u.Node.OpType != "QuantizeLinear" || u.InputIndex != 0)) continue;

            string name = node.Name;
            var zero = graph.AddInitializer(Tensor.FromArray($"{name}_gate_zero_point", DataType.Uint8, [], new byte[] { 0 }));
            // 3 as uint8 255 with scale 3/255: exact, and a quantized constant so ORT fuses the Add.
            var three = graph.AddInitializer(Tensor.FromArray($"{name}_three_quantized", DataType.Uint8, [], new byte[] { 255 }));
            var threeScale = graph.AddInitializer(Tensor.FromFloats($"{name}_three_scale", [], [3f / 255]));
            var threeDq = graph.CreateNode("DequantizeLinear", [three, threeScale, zero], name: $"{name}_three_DequantizeLinear", before: node);
            // Its own DQ of x: each fused node reads a DQ of its own.
            var xDq = graph.CreateNode("DequantizeLinear", [q, dq.Input(1), dq.Input(2)], name: $"{name}_x_DequantizeLinear", before: node);
            var add = graph.CreateNode("Add", [xDq.Output(0), threeDq.Output(0)], name: $"{name}_plus_three", before: node);
            var gateScale = graph.AddInitializer(Tensor.FromFloats($"{name}_gate_quantize_scale", [], [6f / 255]));
            var gateQ = graph.CreateNode("QuantizeLinear", [add.Output(0), gateScale, zero], name: $"{name}_gate_QuantizeLinear", before: node);
            var sigmoidScale = graph.AddInitializer(Tensor.FromFloats($"{name}_gate_scale", [], [1f / 255]));
            var gate = graph.CreateNode("DequantizeLinear", [gateQ.Output(0), sigmoidScale, zero], name: $"{name}_gate_DequantizeLinear", before: node);
            var mul = graph.CreateNode("Mul", [x, gate.Output(0)], name: $"{name}_product", before: node);
            foreach (var v in new[] { threeDq.Output(0), xDq.Output(0), add.Output(0), gate.Output(0), mul.Output(0) })
            {
                v.ElementType = DataType.Float;
                v.Shape = v == threeDq.Output(0) ? null : x.Shape;
            }
            gateQ.Output(0).ElementType = DataType.Uint8;
            gateQ.Output(0).Shape = x.Shape;
            graph.ReplaceAllUses(y, mul.Output(0));
            graph.RemoveNode(node);
            rewritten++;
        }
        return rewritten;
    }

    private static bool ScalarParams(Node qdq) =>
        qdq.Input(1)?.ConstantValue is { ElementCount: 1, DataType: DataType.Float }
        && (qdq.Inputs.Count < 3 || qdq.Input(2) is null || qdq.Input(2)!.ConstantValue is { ElementCount: 1 });
}
