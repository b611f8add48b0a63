# The soak's agent command (run by `sh`, exec'd so its parent is the runner): cheap to start,
# so the soak measures the loop rather than interpreter start-ups. The task's description says
# what to do: #hang waits until stopped (or its runner is gone), #fail always exits 3,
# #fail-once exits 3 on the task's first attempt only; anything else succeeds. A rejected
# task's feedback is echoed in the result.
echo "PROGRESS 10 starting"
case "$MC_TASK_DESCRIPTION" in
  *"#hang"*)
    while kill -0 "$PPID" 2>/dev/null; do sleep 0.2; done
    exit 9 ;;
  *"#fail-once"*)
    case "$MC_TASK_JSON" in
      *'"attempts": 0'*) echo "task $MC_TASK_ID: flaky network" >&2; exit 3 ;;
    esac ;;
  *"#fail"*)
    echo "task $MC_TASK_ID: the disk is full" >&2
    exit 3 ;;
esac
echo "PROGRESS 60 half way"
echo "did task $MC_TASK_ID${MC_TASK_FEEDBACK:+, addressed: $MC_TASK_FEEDBACK}"
