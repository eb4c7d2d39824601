using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Fp16;

/// <summary>
/// Keeps value_info in step with element types a pass changed: ONNX Runtime checks declared types
/// against inferred ones, so a stale float32 declaration on a float16 value fails the load.
/// </summary>
internal static class TypeDeclarations
{
    public static void Refresh(Graph graph)
    {
        foreach (var v in graph.Values)
        {
            if (v.Declaration?.Type?.TensorType is not { } tensorType) continue;
            if (v.ElementType == Onnx.TensorProto.Types.DataType.Undefined || tensorType.ElemType == (int)v.ElementType) continue;
            var declaration = v.Declaration.Clone();
            declaration.Type.TensorType.ElemType = (int)v.ElementType;
            v.Declaration = declaration;
        }
    }
}
