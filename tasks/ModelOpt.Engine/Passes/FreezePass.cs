using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes.Freeze;

namespace ModelOpt.Engine.Passes;

/// <summary>
/// <c>freeze</c>: turns a trained graph into its inference form. Folds constant subexpressions (see
/// <see cref="ConstantFolding"/>), drops Identity and Dropout,
/// folds BatchNormalization into the Conv/ConvTranspose/Gemm before it, and fuses MatMul + Add into
/// Gemm, so later passes see one linear layer where there was a chain.
/// </summary>
public sealed class FreezePass : IPass
{
    public const string PassName = "freeze";

    public string Name => PassName;

    public bool PreservesOutputs => true;

    public string Description => "Fold constant subexpressions, fold BatchNormalization into the preceding layer, drop Identity/Dropout, fuse MatMul+Add into Gemm.";

    public PassOutcome Run(Model model, PassContext context)
    {
        var notes = new List<string>();
        int touched = 0;
        // Folding first: BatchNorm statistics or MatMul weights computed by constant subexpressions
        // become initializers the later rewrites can fold.
        touched += ConstantFolding.Run(model, context, notes);
        touched += IdentityRemoval.Run(model.Graph, notes);
        touched += BatchNormFolding.Run(model.Graph, notes);
        touched += MatMulAddFusion.Run(model.Graph, notes);
        return new PassOutcome(touched > 0, touched, notes);
    }
}
