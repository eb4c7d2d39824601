using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Fp16;

/// <summary>
/// Turns a model published in float16 back into a float32 one: float16 constants widen (exactly),
/// every Cast to float16 becomes a Cast to float32 and then, being a no-op, disappears with the
/// Casts the publisher put around ops its runtime lacked in float16 (Resize, say). The model's
/// interface keeps its types: a float16 input is read through a Cast to float32, a float16 output
/// is written through a Cast back. ONNX Runtime's x86 CPU provider has float16 kernels for few ops
/// and runs the others by casting around each node, so the float32 model is faster there; and the
/// quantizer, which takes float32 weights, starts from it (docs/config.md).
/// </summary>
public static class Float32Widening
{
    public sealed record Result(int ConstantsWidened, int CastsRetargeted, int CastsRemoved, int BoundaryCasts)
    {
        public bool Changed => ConstantsWidened + CastsRetargeted + CastsRemoved + BoundaryCasts > 0;

        public string Summary =>
            $"{ConstantsWidened} float16 constant(s) widened to float32, {CastsRetargeted} Cast(s) to float16 retargeted to float32, " +
            $"{CastsRemoved} no-op Cast(s) removed{(BoundaryCasts > 0 ? $", {BoundaryCasts} Cast(s) keep float16 inputs/outputs" : "")}";
    }

    /// <summary>Whether <paramref name="graph"/> computes anything in float16 (constants or values).</summary>
    public static bool HasFloat16(Graph graph) =>
        graph.Initializers.Any(v => v.Initializer!.DataType == DataType.Float16)
        || graph.Nodes.Any(n => n.ConstantOutput?.DataType == DataType.Float16 || (n.OpType == "Cast" && n.Domain.Length == 0 && n.GetInt("to", 0) == (long)DataType.Float16));

    /// <summary>
    /// Widens the main graph; null with the reason when it cannot (values flowing into If/Loop/Scan
    /// bodies would change type under them).
    /// </summary>
    public static Result? Run(Graph graph, out string? refusal)
    {
        refusal = null;
        if (!HasFloat16(graph)) return new Result(0, 0, 0, 0);
        if (graph.Nodes.Any(n => n.Subgraphs.Count > 0))
        {
            refusal = "the model has If/Loop/Scan subgraphs, whose float16 values are not widened";
            return null;
        }
        graph.SortTopologically();
        var types = ElementTypeInference.Infer(graph);
        bool IsHalf(Value v) => v.ElementType == DataType.Float16 || types.GetValueOrDefault(v) == DataType.Float16
            || v.Declaration?.Type?.TensorType?.ElemType == (int)DataType.Float16;

        int boundary = 0;
        // The interface stays: a float16 input is read through a Cast to float32.
        foreach (var input in graph.Inputs.Where(IsHalf).ToList())
        {
            if (input.Uses.Count == 0) continue;
            var first = input.Uses.Select(u => u.Node).First();
            var cast = graph.CreateNode("Cast", [input], name: $"{input.Name}_to_float32", before: first);
            cast.SetInt("to", (long)DataType.Float);
            var widened = cast.Output(0);
            widened.ElementType = DataType.Float;
            widened.Shape = input.Shape;
            foreach (var use in input.Uses.Where(u => u.Node != cast).ToList()) use.Node.SetInput(use.InputIndex, widened);
            boundary++;
        }

        int constants = 0, retargeted = 0;
        foreach (var v in graph.Initializers.ToList())
        {
            if (v.Initializer!.DataType != DataType.Float16) continue;
            v.Initializer = Widen(v.Initializer);
            v.ElementType = DataType.Float;
            constants++;
        }
        foreach (var node in graph.Nodes)
        {
            if (node.ConstantOutput is { DataType: DataType.Float16 } constant && node.OpType == "Constant")
            {
                var widened = Widen(constant.WithName(node.Output(0).Name));
                node.RemoveAttribute("value");
                node.SetAttribute(Float16Tensors.ValueAttribute(widened));
                constants++;
            }
            if (node.Domain.Length != 0) continue;
            if (node.OpType == "Cast" && node.GetInt("to", 0) == (long)DataType.Float16)
            {
                node.SetInt("to", (long)DataType.Float);
                retargeted++;
            }
            if (node.Attribute("dtype") is { } dtype && dtype.I == (long)DataType.Float16) node.SetInt("dtype", (long)DataType.Float);
            if (node.OpType == "ConstantOfShape" && node.Attribute("value")?.T is { } fill && fill.DataType == (int)DataType.Float16)
                node.SetAttribute(Float16Tensors.ValueAttribute(Widen(Tensor.FromProto(fill))));
        }

        // The graph's float16 outputs are written through a Cast that takes over the output's name.
        foreach (var output in graph.Outputs.Where(v => !v.IsGraphInput && IsHalf(v)).ToList())
        {
            OutputCast.Insert(graph, output, DataType.Float16, $"{output.Name}_to_float16");
            boundary++;
        }
        foreach (var v in graph.Values)
            if (!v.IsGraphInput && !(v.IsGraphOutput && v.Producer is { OpType: "Cast" } p && p.GetInt("to", 0) == (long)DataType.Float16) && IsHalf(v))
                v.ElementType = DataType.Float;

        int removed = CastCascade.Run(graph) + RemoveNoOpOutputCasts(graph);
        TypeDeclarations.Refresh(graph);
        return new Result(constants, retargeted, removed, boundary);
    }

    /// <summary>
    /// The publisher's Cast to float32 before each output is now float32 → float32: the value it reads
    /// takes over the output's name (CastCascade leaves graph outputs alone).
    /// </summary>
    private static int RemoveNoOpOutputCasts(Graph graph)
    {
        int removed = 0;
        foreach (var output in graph.Outputs.ToList())
        {
            if (output.Producer is not { OpType: "Cast", Domain: "" } cast || cast.GetInt("to", 0) != (long)DataType.Float) continue;
            if (cast.Input(0) is not { ElementType: DataType.Float } source || source.IsGraphInput || source.IsGraphOutput || source.IsConstant) continue;
            graph.ReplaceAllUses(output, source);
            graph.RemoveNode(cast);
            removed++;
        }
        return removed;
    }

    private static Tensor Widen(Tensor tensor)
    {
        var halves = tensor.Span<Half>();
        var floats = new float[halves.Length];
        for (int i = 0; i < floats.Length; i++) floats[i] = (float)halves[i];
        return Tensor.FromArray(tensor.Name, DataType.Float, tensor.Dims, floats);
    }
}
