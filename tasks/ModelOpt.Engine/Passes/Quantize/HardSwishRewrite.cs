using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Rewrites hard-swish spelled out as x·Clip(x + 3, 0, 6) / 6 (how Paddle2ONNX exports it) into
/// HardSwish (opset 14+) or x·HardSigmoid(x) with alpha 1/6, beta 1/2 (earlier opsets): the same
/// function in one or two ops instead of four. Before quantizing this matters twice: a float island
/// between two quantized convs costs a full pass over the tensor per op, and the inner Mul must not
/// be quantized on its own (its product x·(x+3) spans six times the output's range).
/// </summary>
public static class HardSwishRewrite
{
    public static int Run(Model model)
    {
        var graph = model.Graph;
        var matches = graph.Nodes.Where(n => n.OpType == "Add" && n.Domain.Length == 0).Select(Match).OfType<HardSwishMatch>().ToList();
        if (matches.Count == 0) return 0;
        bool native = (model.OpsetVersion() ?? 1) >= 14 || OpsetUpgrade.TryRaise13To14(model);
        int rewritten = 0;
        foreach (var m in matches)
        {
            Value result;
            if (native)
            {
                var hs = graph.CreateNode("HardSwish", [m.X], name: m.Mul.Name + "_hardswish", before: m.Scale);
                result = hs.Output(0);
            }
            else
            {
                var hsig = graph.CreateNode("HardSigmoid", [m.X], name: m.Mul.Name + "_hardsigmoid", before: m.Scale);
                hsig.SetFloat("alpha", 1f / 6);
                hsig.SetFloat("beta", 0.5f);
                hsig.Output(0).ElementType = DataType.Float;
                hsig.Output(0).Shape = m.X.Shape;
                var mul = graph.CreateNode("Mul", [m.X, hsig.Output(0)], name: m.Mul.Name + "_hardswish", before: m.Scale);
                result = mul.Output(0);
            }
            result.ElementType = DataType.Float;
            result.Shape = m.Scale.Output(0).Shape;
            graph.ReplaceAllUses(m.Scale.Output(0), result);
            foreach (var dead in new[] { m.Scale, m.Mul, m.Clip, m.Add })
                if (dead.Outputs.All(o => o is null || (o.Uses.Count == 0 && !o.IsGraphOutput))) graph.RemoveNode(dead);
            rewritten++;
        }
        return rewritten;
    }

    private sealed record HardSwishMatch(Value X, Node Add, Node Clip, Node Mul, Node Scale);

    private static HardSwishMatch? Match(Node add)
    {
        if (add.Inputs.Count != 2) return null;
        int k = Scalar(add.Input(1)) == 3 ? 0 : Scalar(add.Input(0)) == 3 ? 1 : -1;
        if (k < 0 || add.Input(k) is not { } x) return null;
        var a = add.Output(0);
        if (a.IsGraphOutput || a.Uses.Count != 1 || a.Uses[0].Node is not { OpType: "Clip" } clip || clip.Domain.Length != 0) return null;
        if (!ClipsTo(clip, 0, 6)) return null;
        var c = clip.Output(0);
        if (c.IsGraphOutput || c.Uses.Count != 1 || c.Uses[0].Node is not { OpType: "Mul" } mul || mul.Domain.Length != 0 || mul.Inputs.Count != 2) return null;
        if (mul.Input(1 - c.Uses[0].InputIndex) != x) return null;
        var p = mul.Output(0);
        if (p.IsGraphOutput || p.Uses.Count != 1 || p.Uses[0].Node is not { } scale || scale.Domain.Length != 0 || p.Uses[0].InputIndex != 0) return null;
        bool divides = scale.OpType == "Div" && Scalar(scale.Input(1)) == 6;
        bool multiplies = scale.OpType == "Mul" && Scalar(scale.Input(1)) is float f && MathF.Abs(f - 1f / 6) < 1e-6f;
        return divides || multiplies ? new HardSwishMatch(x, add, clip, mul, scale) : null;
    }

    private static bool ClipsTo(Node clip, float lo, float hi)
    {
        float? min = clip.Inputs.Count > 1 ? Scalar(clip.Input(1)) : clip.Attribute("min")?.F;
        float? max = clip.Inputs.Count > 2 ? Scalar(clip.Input(2)) : clip.Attribute("max")?.F;
        return min == lo && max == hi;
    }

    private static float? Scalar(Value? v) => v?.ConstantValue is { DataType: DataType.Float, ElementCount: 1 } t ? t.ToFloats()[0] : null;
}
