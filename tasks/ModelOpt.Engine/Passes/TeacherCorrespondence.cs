using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes;

/// <summary>
/// Which value of the teacher (the model before the lossy passes) a value of the rewritten model
/// stands for. A value that kept its name stands for the teacher's value of that name; a pass that
/// replaces a value by a new one under a new name (separable's pointwise conv output) records it
/// here, so teacher-guided passes such as <c>refit</c> can pair them.
/// </summary>
public sealed class TeacherCorrespondence
{
    // Keyed by the value object, not its name: later passes may rename values.
    private readonly Dictionary<Value, string> _teacherNames = new(ReferenceEqualityComparer.Instance);

    /// <summary>Records that <paramref name="replacement"/> now computes what <paramref name="old"/> did. Call before <see cref="Graph.ReplaceAllUses"/>.</summary>
    public void RecordReplacement(Value old, Value replacement) => _teacherNames[replacement] = TeacherNameOf(old);

    /// <summary>The name of the teacher's value that <paramref name="student"/> stands for.</summary>
    public string TeacherNameOf(Value student) => _teacherNames.TryGetValue(student, out var name) ? name : student.Name;
}
