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
        var names = model.Graph.Nodes.SelectMany(n => n.Outputs).Where(o => o is not null).Select(o => o!.Name);
        var bytes = ExposedValues.ModelBytes(model, names);

        using var runner = OrtModelRunner.FromBytes(bytes, OrtModelRunner.DisplayName(model), settings);
        var tensorOutputs = runner.Outputs.Where(o => o.ElementType is not DataType.Undefined and not DataType.String).Select(o => o.Name).ToArray();
        var results = runner.Run(inputs, tensorOutputs);

        var observed = new Dictionary<string, (DataType, TensorShape)>(StringComparer.Ordinal);
        foreach (var input in inputs) observed[input.Name] = (input.ElementType, TensorShape.Of(input.Shape));
        foreach (var result in results) observed[result.Name] = (result.ElementType, TensorShape.Of(result.Shape));
        return observed;
    }
}
