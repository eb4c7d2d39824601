using ModelOpt.Engine.Config;
using System.Runtime.CompilerServices;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes;

/// <summary>
/// Gives every graph input a concrete shape: the user's binding, or the declared shape with
/// symbolic and unknown dimensions set to 1 (noted, so the user knows to bind them).
/// </summary>
internal static class InputBinder
{
    // The shape an input was declared with, kept the first time it is bound so a later run with
    // other bindings starts from the declaration again rather than from the previous binding.
    private static readonly ConditionalWeakTable<Value, TensorShape> Declared = new();

    public static void Bind(Model model, ShapeBindings bindings, ShapeInferenceResult result)
    {
        var graph = model.Graph;
        var inputs = graph.Inputs.Where(v => v.Initializer is null).ToList();
        var specialized = SpecializedInputs.Of(model);
        foreach (string name in bindings.Shapes.Keys)
        {
            if (inputs.All(v => v.Name != name) && !specialized.ContainsKey(name))
                throw new ModelOptException(ErrorCode.UnknownInputName, model.SourcePath,
                    $"{OptionNames.Shape.Name} names '{name}', which is not an input of the model; its inputs are: {string.Join(", ", inputs.Select(v => v.Name))}.");
        }

        foreach (var (name, spec) in bindings.Values.Specs)
        {
            if (inputs.All(v => v.Name != name) && specialized.TryGetValue(name, out string? fixedSpec))
            {
                // freeze folded this input in: the same binding is what the model already does, another one it cannot do.
                if (fixedSpec != spec)
                    throw new ModelOptException(ErrorCode.InvalidValueBinding, model.SourcePath,
                        $"{OptionNames.Value.With($"{name}={spec}")}: the model was specialized for {name}={fixedSpec} (freeze inlined the If branch that value selects and removed the input); optimize the original model with {OptionNames.Value.With($"{name}={spec}")} instead.");
                continue;
            }
            if (inputs.All(v => v.Name != name))
                throw new ModelOptException(ErrorCode.InvalidValueBinding, model.SourcePath,
                    $"{OptionNames.Value.Name} names '{name}', which is not an input of the model; its inputs are: {string.Join(", ", inputs.Select(v => v.Name))}.");
        }

        foreach (var input in inputs)
        {
            input.BoundValue = null;
            TensorShape? declared = input.ShapeSource == ShapeSource.Bound && Declared.TryGetValue(input, out var d) ? d : input.Shape;
            if (declared is not null) Declared.AddOrUpdate(input, declared);
            if (bindings.Values.Specs.TryGetValue(input.Name, out string? spec))
            {
                var saved = (input.Shape, input.ShapeSource);
                input.Shape = declared;
                bindings.Shapes.TryGetValue(input.Name, out long[]? boundShape);
                if (boundShape is not null) CheckCompatible(model, input.Name, declared, boundShape);
                Tensor value;
                try
                {
                    value = ValueBindings.Resolve(model.SourcePath ?? "(model)", input, spec, boundShape);
                }
                catch
                {
                    (input.Shape, input.ShapeSource) = saved;
                    throw;
                }
                input.BoundValue = value;
                Apply(input, TensorShape.Of(value.Dims), result);
                continue;
            }
            if (bindings.Shapes.TryGetValue(input.Name, out long[]? bound))
            {
                CheckCompatible(model, input.Name, declared, bound);
                Apply(input, TensorShape.Of(bound), result);
                continue;
            }
            if (declared is null)
            {
                input.Shape = null;
                input.ShapeSource = ShapeSource.Unknown;
                result.AddNote($"input '{input.Name}' declares no shape; give one with {OptionNames.Shape.With($"{input.Name}=DIMS")}.");
                continue;
            }
            if (declared.IsFullyKnown)
            {
                input.Shape = declared;
                input.ShapeSource = ShapeSource.Declared;
                result.SetInputShape(input.Name, declared);
                continue;
            }
            // Only a leading (batch) dimension has an obvious default; guessing an image's height or
            // a sequence's length would make every figure that depends on it meaningless.
            var dims = declared.Dims.ToArray();
            if (!dims[0].IsKnown)
            {
                result.AddNote($"input '{input.Name}': batch dimension 0{(dims[0].Symbol is { } s ? $" ('{s}')" : "")} defaulted to 1; bind it with {OptionNames.Shape.With($"{input.Name}=DIMS")}.");
                dims[0] = Dim.Of(1);
            }
            var open = Enumerable.Range(1, dims.Length - 1).Where(i => !dims[i].IsKnown).ToList();
            if (open.Count > 0)
                result.AddNote($"input '{input.Name}' has dynamic dimension(s) {string.Join(", ", open.Select(i => dims[i].Symbol is { } s ? $"{i} ('{s}')" : i.ToString()))}: figures that depend on them are unknown; bind them with {OptionNames.Shape.With($"{input.Name}={string.Join('x', dims.Select(d => d.Value?.ToString() ?? "N"))}")}.");
            Apply(input, new TensorShape(dims), result);
        }
    }

    private static void Apply(Value input, TensorShape shape, ShapeInferenceResult result)
    {
        input.Shape = shape;
        input.ShapeSource = ShapeSource.Bound;
        if (shape.IsFullyKnown) result.SetInputShape(input.Name, shape);
    }

    private static void CheckCompatible(Model model, string name, TensorShape? declared, long[] bound)
    {
        if (declared is null) return;
        if (declared.Rank != bound.Length)
            throw new ModelOptException(ErrorCode.InvalidShapeBinding, model.SourcePath,
                $"{OptionNames.Shape.With($"{name}={TensorShape.Of(bound)}")} has rank {bound.Length}, but the model declares '{name}' as {declared} (rank {declared.Rank}).");
        for (int i = 0; i < bound.Length; i++)
        {
            if (declared[i].Value is long fixedSize && fixedSize != bound[i])
                throw new ModelOptException(ErrorCode.InvalidShapeBinding, model.SourcePath,
                    $"{OptionNames.Shape.With($"{name}={TensorShape.Of(bound)}")} sets dimension {i} to {bound[i]}, but the model fixes it at {fixedSize}.");
        }
    }
}
