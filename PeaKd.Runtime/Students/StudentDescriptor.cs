using PeaKd.Modeling;

namespace PeaKd.Students;

/// <summary>One entry of the generated student catalog: a student's name, plan and factory.</summary>
/// <param name="Name">The student's class name.</param>
/// <param name="Plan">Its architecture, as the attributes declare it.</param>
/// <param name="Create">Builds the student with a teacher's sizes (its config) and a number of labels (1 for regression).</param>
public sealed record StudentDescriptor(string Name, StudentPlan Plan, Func<BertConfig, int, StudentModel> Create);
