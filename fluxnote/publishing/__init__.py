"""Publishing: connect YouTube and TikTok accounts to a workspace (OAuth), and post
finished renders to them from an RQ job that resumes uploads and never posts twice.
Publishing is free: nothing here touches credits."""
