using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes.Freeze;

/// <summary>
/// MatMul(A, W) + b → Gemm(A, W, b) when A is a matrix and W, b are constants: one node, and the
/// form that BatchNormalization folding, pruning and quantization all recognise as a linear layer.
/// </summary>
internal static class MatMulAddFusion
{
    public static int Run(Graph graph, List<string> notes)
    {
        int fused = 0;
        foreach (var add in graph.Nodes)
        {
            if (add.Domain.Length != 0 || add.OpType != "Add") continue;
            for (int side = 0; side < 2; side++)
            {
                if (add.Input(side)?.Producer is not { OpType: "MatMul" } matmul || matmul.Domain.Length != 0) continue;
                var product = add.Input(side)!;
                var biasValue = add.Input(1 - side);
                if (product.Uses.Count != 1 || product.IsGraphOutput || biasValue?.ConstantValue is not { } bias) continue;
                var a = matmul.Input(0);
                var w = matmul.Input(1)?.ConstantValue;
                if (a?.Shape is not { Rank: 2 } || w is null || w.Dims.Length != 2)
                {
                    notes.Add($"kept {matmul} + {add}: Gemm needs a 2-D input and constant 2-D weights");
                    break;
                }
                long n = w.Dims[1];
                bool vector = bias.Dims.Length == 1 && bias.Dims[0] == n;
                bool row = bias.Dims.Length == 2 && bias.Dims[0] == 1 && bias.Dims[1] == n;
                if (!vector && !row)
                {
                    notes.Add($"kept {matmul} + {add}: the bias is not a vector of {n}");
                    break;
                }
                var gemm = graph.CreateNode("Gemm", [a, matmul.Input(1), biasValue], name: matmul.Name.Length > 0 ? matmul.Name : "gemm", before: matmul);
                var y = gemm.Output(0);
                y.ElementType = add.Output(0).ElementType;
                y.Shape = add.Output(0).Shape;
                graph.ReplaceAllUses(add.Output(0), y);
                graph.RemoveNode(add, force: true);
                graph.RemoveNode(matmul, force: true);
                fused++;
                break;
            }
        }
        return fused;
    }
}
