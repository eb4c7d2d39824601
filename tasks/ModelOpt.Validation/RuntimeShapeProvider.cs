using Google.Protobuf;
using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation;

/// <summary>
/// Observes shapes by running the model once in ONNX Runtime with every intermediate value of the
/// main graph exposed as an extra graph output. The caller's model is not changed: a copy of its
/// message is extended.
/// </summary>
public sealed class RuntimeShapeProvider(OrtSessionSettings? settings = null, int seed = 0) : IRuntimeShapeProvider
{
    public IReadOnlyDictionary<string, (DataType Type, TensorShape Shape)> Observe(Model model, IReadOnlyDictionary<string, TensorShape> inputShapes)
    {
        var inputs = SyntheticInputs.For(model, inputShapes, seed);
        var proto = ModelWriter.ToProto(model);
        var graph = proto.Graph;
        var declared = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var node in model.Graph.Nodes)
        {
            foreach (var output in node.Outputs)
            {
                if (output is null || !declared.Add(output.Name)) continue;
                // Type only, no shape: a declared shape would be checked against (and could
                // conflict with) what actually flows, which is what we want to learn.
                var info = new ValueInfoProto { Name = output.Name };
                if (output.ElementType != DataType.Undefined)
                    info.Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)output.ElementType } };
                graph.Output.Add(info);
            }
        }

        using var runner = OrtModelRunner.FromBytes(proto.ToByteArray(), OrtModelRunner.DisplayName(model), settings);
        var tensorOutputs = runner.Outputs.Where(o => o.ElementType is not DataType.Undefined and not DataType.String).Select(o => o.Name).ToArray();
        var results = runner.Run(inputs, tensorOutputs);

        var observed = new Dictionary<string, (DataType, TensorShape)>(StringComparer.Ordinal);
        foreach (var input in inputs) observed[input.Name] = (input.ElementType, TensorShape.Of(input.Shape));
        foreach (var result in results) observed[result.Name] = (result.ElementType, TensorShape.Of(result.Shape));
        return observed;
    }
}
