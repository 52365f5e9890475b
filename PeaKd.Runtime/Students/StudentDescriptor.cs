using PeaKd.Modeling;
using PeaKd.Options;

namespace PeaKd.Students;

/// <summary>A student as the runtime takes it: its name, plan and factory. The generator writes one per student as its
/// static <c>Descriptor</c> (<c>PipelineOptions.Student = PeaBert2.Descriptor</c>), and lists them in StudentCatalog.</summary>
/// <param name="Name">The student's class name.</param>
/// <param name="Plan">Its architecture, as the attributes declare it.</param>
/// <param name="Create">Builds the student with a teacher's sizes (its config) and a number of labels (1 for regression).</param>
public sealed record StudentDescriptor(string Name, StudentPlan Plan, Func<BertConfig, int, StudentModel> Create)
{
    /// <summary>The student called <paramref name="name"/> among <paramref name="students"/> (case-insensitive), or null.</summary>
    /// <param name="students">A catalog's students.</param>
    /// <param name="name">The student's class name.</param>
    public static StudentDescriptor? Find(IEnumerable<StudentDescriptor> students, string name) =>
        students.FirstOrDefault(student => string.Equals(student.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The student called <paramref name="name"/> among <paramref name="students"/> (case-insensitive); an
    /// unknown name is an <see cref="ArgumentException"/> that lists the known ones.</summary>
    /// <param name="students">A catalog's students.</param>
    /// <param name="name">The student's class name.</param>
    public static StudentDescriptor Get(IReadOnlyList<StudentDescriptor> students, string name) =>
        Find(students, name) ?? throw new ArgumentException(
            $"Student '{name}' is not declared in this program; the known students are {string.Join(", ", students.Select(s => s.Name))}. A student is a [Student] partial class (see docs/dsl.md, \"Declaring students\").",
            nameof(name));

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
