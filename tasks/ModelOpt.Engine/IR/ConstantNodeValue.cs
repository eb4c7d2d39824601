using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.IR;

/// <summary>Reads the tensor a <c>Constant</c> node produces, whichever of its value attributes it uses.</summary>
internal static class ConstantNodeValue
{
    public static Tensor? Read(Node node)
    {
        string name = node.Outputs.Count > 0 ? node.Outputs[0]?.Name ?? node.Name : node.Name;
        foreach (var a in node.Proto.Attribute)
        {
            switch (a.Name)
            {
                case "value" when a.T is not null:
                    return Tensor.FromProto(a.T, node.Owner.Model?.ResolveExternal(a.T));
                case "value_float":
                    return Tensor.FromFloats(name, [], [a.F]);
                case "value_floats":
                    return Tensor.FromFloats(name, [a.Floats.Count], a.Floats.ToArray());
                case "value_int":
                    return Tensor.FromInt64s(name, [], [a.I]);
                case "value_ints":
                    return Tensor.FromInt64s(name, [a.Ints.Count], a.Ints.ToArray());
            }
        }
        return null;
    }
}
