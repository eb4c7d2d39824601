using Google.Protobuf;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation;

/// <summary>
/// A serialized copy of a model in which chosen intermediate values are extra graph outputs, so
/// ONNX Runtime hands them back. The model itself is not changed.
/// </summary>
public static class ExposedValues
{
    public static byte[] ModelBytes(Model model, IEnumerable<string> valueNames)
    {
        var proto = ModelWriter.ToProto(model);
        var graph = proto.Graph;
        var declared = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var inputs = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        foreach (var name in valueNames)
        {
            if (inputs.Contains(name) || !declared.Add(name)) continue;
            // Type only, no shape: a declared shape would be checked against (and could
            // conflict with) what actually flows.
            var info = new ValueInfoProto { Name = name };
            var value = model.Graph.FindValue(name);
            if (value is not null && value.ElementType != DataType.Undefined)
                info.Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)value.ElementType } };
            graph.Output.Add(info);
        }
        return proto.ToByteArray();
    }
}
