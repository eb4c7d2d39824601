using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Fp16;

/// <summary>
/// A Cast that takes over a graph output's name and role, so the model's interface keeps the type
/// it declared while the readers inside the graph keep reading the value as computed.
/// </summary>
internal static class OutputCast
{
    public static Node Insert(Graph graph, Value output, DataType to, string name)
    {
        var readers = output.Uses.ToList();
        var cast = graph.CreateNode("Cast", [null], name: name);
        cast.SetInt("to", (long)to);
        var boundary = cast.Output(0);
        boundary.ElementType = to;
        boundary.Shape = output.Shape;
        boundary.ShapeSource = output.ShapeSource;
        graph.ReplaceAllUses(output, boundary);
        foreach (var use in readers) use.Node.SetInput(use.InputIndex, output);
        cast.SetInput(0, output);
        output.Declaration = null;
        return cast;
    }
}
