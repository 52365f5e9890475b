using PeaKd.Students;

namespace PeaKd.Distillation;

/// <summary>Which student effective layer is matched with which teacher layer in the patient loss.</summary>
/// <param name="StudentLayers">Effective layers of the student (0-based), increasing.</param>
/// <param name="TeacherLayers">Teacher layer outputs (0-based), one per student layer.</param>
internal sealed record PatientMap(IReadOnlyList<int> StudentLayers, IReadOnlyList<int> TeacherLayers)
{
    public override string ToString() =>
        StudentLayers.Count == 0 ? "none" : string.Join(", ", StudentLayers.Zip(TeacherLayers, (s, t) => $"{s}->{t}"));
}

internal static class PatientMaps
{
    /// <summary>
    /// The student's declared [PatientMap], else the paper's rule: effective layers 0 .. D-2 of a D-layer student
    /// meet teacher layers spaced evenly, round((i + 1) * L / D) - 1 for an L-layer teacher. For BERT-base that is
    /// PEA-KD.md's table (plain k=2: 5; k=3: 3, 7; k=6 and SPS k=3: 1, 3, 5, 7, 9; SPS k=1: 5; SPS k=2: 2, 5, 8);
    /// the authors' SPS k=6 exception is declared on PeaBert6.
    /// </summary>
    public static PatientMap For(StudentPlan plan, int teacherLayers)
    {
        if (plan.PatientTeacherLayers is { } declared)
        {
            if (LayerBeyond(plan, teacherLayers) is int bad)
            {
                throw new ArgumentException(
                    $"Student {plan.Name}'s [PatientMap] names teacher layer {bad}, but the teacher has {teacherLayers} layers (0..{teacherLayers - 1}).");
            }
            return new PatientMap(plan.PatientStudentLayers!, declared);
        }
        return Evenly(plan.EffectiveDepth, teacherLayers);
    }

    /// <summary>The first teacher layer a declared [PatientMap] names that a <paramref name="teacherLayers"/>-layer teacher lacks, or null.</summary>
    public static int? LayerBeyond(StudentPlan plan, int teacherLayers) =>
        plan.PatientTeacherLayers?.Where(t => t >= teacherLayers).Select(t => (int?)t).FirstOrDefault();

    public static PatientMap Evenly(int studentDepth, int teacherLayers)
    {
        int[] student = Enumerable.Range(0, Math.Max(0, studentDepth - 1)).ToArray();
        int[] teacher = student.Select(i => (int)Math.Round((i + 1) * (double)teacherLayers / studentDepth, MidpointRounding.AwayFromZero) - 1).ToArray();
        return new PatientMap(student, teacher);
    }
}
