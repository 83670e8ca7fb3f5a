"""What the référentiel holds about a person, for their personal data export."""

from solidaire.models import User


def export(user: User) -> dict:
    from referentiel.models import Answer, CommitmentNote, Evidence, PeerReview, ReviewReply

    return {
        "answers_written": [
            {
                "organisation": a.assessment.organisation.legal_name,
                "criterion": a.criterion.code,
                "comment": a.comment,
                "updated_at": a.updated_at.isoformat(),
            }
            for a in Answer.objects.filter(updated_by=user).select_related(
                "assessment__organisation", "criterion"
            )
        ],
        "evidence_uploaded": [
            {
                "organisation": e.assessment.organisation.legal_name,
                "file": e.original_name,
                "uploaded_at": e.uploaded_at.isoformat(),
            }
            for e in Evidence.objects.filter(uploaded_by=user).select_related("assessment__organisation")
        ],
        "peer_reviews": [
            {
                "organisation": r.assessment.organisation.legal_name,
                "status": r.status,
                "summary": r.summary,
                "comments": [
                    {"criterion": c.criterion.code, "agrees": c.agrees, "comment": c.comment}
                    for c in r.comments.select_related("criterion")
                ],
            }
            for r in PeerReview.objects.filter(reviewer=user).select_related("assessment__organisation")
        ],
        "review_replies": [
            {"text": r.text, "created_at": r.created_at.isoformat()}
            for r in ReviewReply.objects.filter(author=user)
        ],
        "commitment_notes": [
            {"text": n.text, "created_at": n.created_at.isoformat()}
            for n in CommitmentNote.objects.filter(author=user)
        ],
    }
