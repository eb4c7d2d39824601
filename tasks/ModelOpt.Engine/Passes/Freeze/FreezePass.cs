using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes.Freeze;

namespace ModelOpt.Engine.Passes.Freeze;

/// <summary>
/// <c>freeze</c>: turns a trained graph into its inference form. Replaces an If whose condition
/// constants or bound values decide by the branch it takes (see <see cref="BranchInlining"/>), folds constant subexpressions (see
/// <see cref="ConstantFolding"/>), drops Identity and Dropout,
/// folds BatchNormalization into the Conv/ConvTranspose/Gemm before it, and fuses MatMul + Add into
/// Gemm, so later passes see one linear layer where there was a chain.
/// </summary>
public sealed class FreezePass : IPass
{
    public const string PassName = "freeze";

    public string Name => PassName;

    public bool PreservesOutputs => true;

    public Type SettingsType => typeof(FreezeSettings);

    public string Description => "Inline the If branch constants or bound values select, fold constant subexpressions, fold BatchNormalization into the preceding layer, drop Identity/Dropout, fuse MatMul+Add into Gemm.";

    public PassOutcome Run(Model model, PassContext context)
    {
        var notes = new List<string>();
        int touched = 0;
        // First: the branch a bound sample rate selects holds the compute every later rewrite is for.
        if (context.Settings<FreezeSettings>(PassName).InlineBranches) touched += BranchInlining.Run(model, context, notes);
        // Folding first: BatchNorm statistics or MatMul weights computed by constant subexpressions
        // become initializers the later rewrites can fold.
        touched += ConstantFolding.Run(model, context, notes);
        touched += IdentityRemoval.Run(model.Graph, notes);
        touched += BatchNormFolding.Run(model.Graph, notes);
        touched += MatMulAddFusion.Run(model.Graph, notes);
        return new PassOutcome(touched > 0, touched, notes);
    }
}
