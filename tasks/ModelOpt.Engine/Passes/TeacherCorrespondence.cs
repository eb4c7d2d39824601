using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Passes;

/// <summary>
/// Which value of the teacher (the model before the lossy passes) a value of the rewritten model
/// stands for. A value that kept its name stands for the teacher's value of that name; a pass that
/// replaces a value by a new one under a new name (separable's pointwise conv output, lowrank's
/// second factor) records it here, and so does a pass that keeps only some of a value's channels
/// (structured pruning), so teacher-guided passes such as <c>refit</c> can pair them.
/// </summary>
public sealed class TeacherCorrespondence
{
    // Keyed by the value object, not its name: later passes may rename values.
    private readonly Dictionary<Value, string> _teacherNames = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Value, int[]> _teacherChannels = new(ReferenceEqualityComparer.Instance);

    /// <summary>Records that <paramref name="replacement"/> now computes what <paramref name="old"/> did. Call before <see cref="Graph.ReplaceAllUses"/>.</summary>
    public void RecordReplacement(Value old, Value replacement)
    {
        _teacherNames[replacement] = TeacherNameOf(old);
        if (_teacherChannels.TryGetValue(old, out var channels)) _teacherChannels[replacement] = channels;
    }

    /// <summary>
    /// Records that <paramref name="student"/> now holds only the channels (axis 1) at <paramref name="kept"/>
    /// of what it held before; composed with an earlier record, so the result indexes the teacher's channels.
    /// </summary>
    public void RecordKeptChannels(Value student, IReadOnlyList<int> kept)
    {
        var earlier = _teacherChannels.GetValueOrDefault(student);
        _teacherChannels[student] = kept.Select(c => earlier is null ? c : earlier[c]).ToArray();
    }

    /// <summary>The name of the teacher's value that <paramref name="student"/> stands for.</summary>
    public string TeacherNameOf(Value student) => _teacherNames.TryGetValue(student, out var name) ? name : student.Name;

    /// <summary>The teacher's channels (axis 1) that <paramref name="student"/>'s channels stand for, in order; null: all of them.</summary>
    public IReadOnlyList<int>? TeacherChannelsOf(Value student) => _teacherChannels.GetValueOrDefault(student);
}
